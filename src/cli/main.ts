import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help } from 'commander';
import { SettingError, UsageError } from '../usage-error.js';
import { exitCodeOf } from './command.js';
import { flagMessage } from './setting-names.js';

/**
 * Every command, as `framewire --help` lists it. A command's module (its flags, and all it imports: sharp, zod, the
 * sockets...) is loaded only when that command runs or shows its help, so `--version`, `--help` and a command that
 * needs little start as fast as Node does.
 */
interface CommandEntry {
  name: string;
  /** How `framewire --help` writes it: its options and arguments. */
  term: string;
  description: string;
  define: () => Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'send',
    term: 'send [options]',
    description: 'send frames from a source to HOST:PORT over UDP',
    define: async () => (await import('./send.js')).sendCommand(),
  },
  {
    name: 'receive',
    term: 'receive [options]',
    description: 'receive frames on HOST:PORT, verify stamps, hand frames to sinks and report',
    define: async () => (await import('./receive.js')).receiveCommand(),
  },
  {
    name: 'run',
    term: 'run [options] [scenario]',
    description: 'run a scenario (sender -> netsim -> receiver over loopback) and check its expectations; ' +
      'with no file, a built-in one: pattern:ball through a lossy link',
    define: async () => (await import('./run.js')).runCommand(),
  },
  {
    name: 'devices',
    term: 'devices',
    description: 'list video capture devices (/dev/video*) with their formats, sizes and rates',
    define: async () => (await import('./devices.js')).devicesCommand(),
  },
  {
    name: 'netsim',
    term: 'netsim [options]',
    description: 'relay UDP datagrams through a seeded, replayable network simulator',
    define: async () => (await import('./netsim.js')).netsimCommand(),
  },
  {
    name: 'demo',
    term: 'demo [options]',
    description: 'watch a stream cross a simulated network in a window; keys 1-9 change the network live',
    define: async () => (await import('./demo.js')).demoCommand(),
  },
];

/** Runs the CLI; resolves to the process exit code (0 done, 1 runtime failure, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  const defaults = new Help();
  const program = new Command('framewire')
    .description('Send live uncompressed video frames over UDP, fast, and test it under bad networks')
    .version(packageVersion())
    .configureHelp({ subcommandTerm: (c) => COMMANDS.find((e) => e.name === c.name())?.term ?? defaults.subcommandTerm(c) })
    .exitOverride();
  // `framewire NAME ...` and `framewire help NAME`: only NAME is defined in full; the others are listed by name.
  const invoked = argv[0] === 'help' ? argv[1] : argv[0];
  const commands: Command[] = [];
  try {
    for (const entry of COMMANDS) {
      const command = entry.name === invoked ? await entry.define() : new Command(entry.name);
      program.addCommand(command.description(entry.description).exitOverride());
      commands.push(command);
    }
    await program.parseAsync(argv, { from: 'user' });
    for (const c of commands) {
      const code = exitCodeOf(c);
      if (code !== undefined) return code;
    }
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its own message, which names the flag.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`framewire: ${err instanceof SettingError ? flagMessage(err) : err.message}\n`);
      return 2;
    }
    process.stderr.write(`framewire: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** The version in package.json, two levels up from both src/cli and dist/cli. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
