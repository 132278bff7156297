import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { jsonPathLabel, overlay, parseNetworkConfig, type FieldLabel } from '../netsim/config.js';
import { startRelay } from '../netsim/relay.js';
import { formatChainStats } from '../netsim/report.js';
import { registeredStages } from '../netsim/stages/index.js';
import { numberText, type Setting } from '../netsim/stages/setting.js';
import { formatEndpoint, parseEndpoint } from '../transport/endpoint.js';
import { UsageError } from '../usage-error.js';
import { withExitCode } from './command.js';
import { onInterrupt, startStatusLine } from './status-line.js';

export function netsimCommand(): Command {
  const settings = settingFlags();
  const command = new Command('netsim')
    .requiredOption('--listen <host:port>', 'where senders send (port 0: any free port)')
    .requiredOption('--to <host:port>', 'where datagrams are forwarded; replies go back to the last sender');
  for (const { option } of settings) command.addOption(option);
  command
    .option('--seed <n>', 'seed for every random decision (random if not given; printed at start)')
    .option('--scenario <file>', "take the network settings from a scenario file's network section")
    .option('--record <file>', 'write each packet fate as JSON lines')
    .option('--replay <file>', 'apply the fates of a recorded trace');
  return withExitCode(command, async (flags: NetsimFlags) => runNetsim(flags, settings));
}

interface NetsimFlags {
  listen: string;
  to: string;
  seed?: string;
  scenario?: string;
  record?: string;
  replay?: string;
  [flag: string]: string | undefined;
}

/** A network setting of a registered stage and the flag that gives it. */
interface SettingFlag {
  /** Its field in a network section. */
  key: string;
  setting: Setting;
  option: Option;
}

/** One flag for each setting of every registered stage, in chain order, as the stage describes it. */
function settingFlags(): SettingFlag[] {
  return registeredStages().flatMap((stage) =>
    Object.entries(stage.settings).map(([key, setting]) => {
      const { name, value, help } = setting.flag;
      // Choices are listed in the help but checked by the stage's schema, so a wrong one is a usage error like
      // any other (`framewire: --distribution: must be 'uniform' or 'normal'`), not one in commander's words.
      const choices = setting.schema instanceof z.ZodEnum ? (setting.schema.options as string[]) : undefined;
      const described = choices ? `${help} (choices: ${choices.map((c) => `"${c}"`).join(', ')})` : help;
      return { key, setting, option: new Option(`--${name} <${value}>`, described) };
    }),
  );
}

async function runNetsim(flags: NetsimFlags, settings: readonly SettingFlag[]): Promise<number> {
  const listen = parseEndpoint(flags.listen, '--listen', true);
  const to = parseEndpoint(flags.to, '--to');
  const fromFlags = networkFlags(flags, settings);
  const fromScenario = flags.scenario ? await scenarioNetwork(flags.scenario) : {};
  // A field is named by its flag when the flag gave it, or when there is no scenario file it could have come from.
  const flagOf = (key: PropertyKey): string | undefined =>
    key === 'seed' ? '--seed' : settings.find((s) => s.key === key)?.option.long;
  const fileLabel = jsonPathLabel(flags.scenario ? `${flags.scenario}: network` : 'network');
  const label: FieldLabel = (path) => {
    const flag = flagOf(path[0]!);
    return flag && (!flags.scenario || path[0]! in fromFlags) ? flag : fileLabel(path);
  };
  // Flags override the scenario's fields; a loss given by flags replaces the scenario's whole loss description.
  const network = parseNetworkConfig(overlay(fromScenario, fromFlags), label);

  const relay = await startRelay({
    listen,
    to,
    network,
    record: flags.record,
    replay: flags.replay,
    label: (path) => `--${String(path[0])}`,
  });
  const say = (line: string): boolean => process.stderr.write(`netsim: ${line}\n`);
  // A replay takes every fate from the trace: the seed decides nothing, so printing it would mislead.
  say(flags.replay ? `replaying ${flags.replay}` : `seed ${relay.seed} (replay with --seed ${relay.seed})`);
  say(`relaying ${formatEndpoint(relay.address)} -> ${formatEndpoint(to)}${network.reverse ? '' : ' (replies unimpaired)'}`);

  const stopStatus = startStatusLine(() => `netsim: ${formatChainStats(relay.stats.forward)}`);
  await new Promise<void>((resolve) => {
    const removeHandlers = onInterrupt(() => {
      removeHandlers();
      resolve();
    });
  });
  stopStatus();
  const stats = await relay.close();
  say(`forward: ${formatChainStats(stats.forward)}`);
  say(`reverse: ${formatChainStats(stats.reverse)}`);
  if (stats.noPeer || stats.socketErrors) say(`replies with no sender yet ${stats.noPeer}, socket errors ${stats.socketErrors}`);
  return 0;
}

/** The network flags given, as a scenario file would write them (numbers and lists where the schema wants them). */
function networkFlags(flags: NetsimFlags, settings: readonly SettingFlag[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const { key, setting, option } of settings) {
    const text = flags[option.attributeName()];
    if (text !== undefined) raw[key] = setting.flag.fromText ? setting.flag.fromText(text) : text;
  }
  if (flags.seed !== undefined) raw.seed = numberText(flags.seed);
  return raw;
}

/** The network section of a scenario file; the other sections belong to the harness and are ignored here. */
async function scenarioNetwork(path: string): Promise<Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--scenario: cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`--scenario: ${path} is not a JSON object`);
  }
  const network = (json as Record<string, unknown>).network ?? {};
  if (typeof network !== 'object' || network === null || Array.isArray(network)) {
    throw new UsageError(`${path}: network: must be an object`);
  }
  return { ...(network as Record<string, unknown>) };
}
