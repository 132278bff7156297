import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { SettingError, UsageError } from '../usage-error.js';
import { exitCodeOf } from './command.js';
import { flagMessage } from './setting-names.js';
import { sendCommand } from './send.js';
import { receiveCommand } from './receive.js';
import { runCommand } from './run.js';
import { devicesCommand } from './devices.js';
import { netsimCommand } from './netsim.js';
import { demoCommand } from './demo.js';

const COMMANDS: Array<() => Command> = [sendCommand, receiveCommand, runCommand, devicesCommand, netsimCommand, demoCommand];

/** Runs the CLI; resolves to the process exit code (0 done, 1 runtime failure, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('framewire')
    .description('Send live uncompressed video frames over UDP, fast, and test it under bad networks')
    .version(packageVersion())
    .exitOverride();
  const commands = COMMANDS.map((make) => make().exitOverride());
  for (const c of commands) program.addCommand(c);
  try {
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
