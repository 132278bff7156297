import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { jsonPathLabel, parseNetworkConfig, type FieldLabel } from '../netsim/config.js';
import { startRelay } from '../netsim/relay.js';
import { formatChainStats } from '../netsim/report.js';
import { formatEndpoint, parseEndpoint } from '../transport/endpoint.js';
import { UsageError } from '../usage-error.js';
import { withExitCode } from './command.js';
import { onInterrupt, startStatusLine } from './status-line.js';

export function netsimCommand(): Command {
  const command = new Command('netsim')
    .description('relay UDP datagrams through a seeded, replayable network simulator')
    .requiredOption('--listen <host:port>', 'where senders send (port 0: any free port)')
    .requiredOption('--to <host:port>', 'where datagrams are forwarded; replies go back to the last sender')
    .option('--loss <ratio>', 'packet loss, e.g. 2% or 0.02')
    .addOption(new Option('--loss-model <model>', 'loss model').choices(['bernoulli', 'gilbert-elliott']))
    .option('--burst <packets>', 'mean loss burst length (gilbert-elliott)')
    .option('--ge <p,r,1-h,1-k>', "netem's gilbert-elliott parameters")
    .option('--delay <time>', 'one-way delay, e.g. 40ms')
    .option('--jitter <time>', 'delay variation, e.g. 10ms')
    .addOption(new Option('--distribution <dist>', 'jitter distribution').choices(['uniform', 'normal']))
    .option('--reorder-on-jitter <bool>', 'false keeps FIFO order under jitter')
    .option('--duplicate <ratio>', 'packet duplication')
    .option('--corrupt <ratio>', 'flip one random bit in this share of packets')
    .option('--reorder <ratio>', 'send this share of packets ahead of the delay queue')
    .option('--rate <bits>', 'bottleneck rate, e.g. 8mbit')
    .option('--queue <bytes>', 'drop-tail queue in front of the rate limit, e.g. 64kb')
    .option('--drop <ordinals>', 'always drop these packet ordinals, e.g. 0,17,40')
    .option('--seed <n>', 'seed for every random decision (random if not given; printed at start)')
    .option('--scenario <file>', "take the network settings from a scenario file's network section")
    .option('--record <file>', 'write each packet fate as JSON lines')
    .option('--replay <file>', 'apply the fates of a recorded trace');
  return withExitCode(command, async (flags: NetsimFlags) => runNetsim(flags));
}

interface NetsimFlags {
  listen: string;
  to: string;
  scenario?: string;
  record?: string;
  replay?: string;
  [flag: string]: string | undefined;
}

/** Flags that are network settings, by their scenario-file name. */
const NETWORK_FLAGS: Record<string, string> = {
  loss: 'loss',
  lossModel: 'loss-model',
  burst: 'burst',
  ge: 'ge',
  delay: 'delay',
  jitter: 'jitter',
  distribution: 'distribution',
  reorderOnJitter: 'reorder-on-jitter',
  duplicate: 'duplicate',
  corrupt: 'corrupt',
  reorder: 'reorder',
  rate: 'rate',
  queue: 'queue',
  dropList: 'drop',
  seed: 'seed',
};
const NUMERIC = new Set(['burst', 'seed']);
const LOSS_GROUP = ['loss', 'lossModel', 'burst'];

async function runNetsim(flags: NetsimFlags): Promise<number> {
  const listen = parseEndpoint(flags.listen, '--listen', true);
  const to = parseEndpoint(flags.to, '--to');
  const fromFlags = networkFlags(flags);
  const fromScenario = flags.scenario ? await scenarioNetwork(flags.scenario) : {};
  // A loss given on the command line replaces the scenario's whole loss description.
  if ('ge' in fromFlags) for (const k of LOSS_GROUP) delete fromScenario[k];
  if (LOSS_GROUP.some((k) => k in fromFlags)) delete fromScenario.ge;
  // A field is named by its flag when the flag gave it, or when there is no scenario file it could have come from.
  const fileLabel = jsonPathLabel(flags.scenario ? `${flags.scenario}: network` : 'network');
  const label: FieldLabel = (path) => {
    const flag = typeof path[0] === 'string' ? NETWORK_FLAGS[path[0]] : undefined;
    return flag && (!flags.scenario || path[0] in fromFlags) ? `--${flag}` : fileLabel(path);
  };
  const network = parseNetworkConfig({ ...fromScenario, ...fromFlags }, label);

  const relay = await startRelay({ listen, to, network, record: flags.record, replay: flags.replay });
  const say = (line: string): boolean => process.stderr.write(`netsim: ${line}\n`);
  say(`seed ${relay.seed} (replay with --seed ${relay.seed})`);
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

/** The network flags given, as scenario-file values (numbers and lists where the schema wants them). */
function networkFlags(flags: NetsimFlags): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(NETWORK_FLAGS)) {
    const text = flags[key === 'dropList' ? 'drop' : key];
    if (text === undefined) continue;
    if (NUMERIC.has(key)) raw[key] = text.trim() === '' ? NaN : Number(text);
    else if (key === 'reorderOnJitter') raw[key] = text === 'true' ? true : text === 'false' ? false : text;
    else if (key === 'dropList') raw[key] = text.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s));
    else raw[key] = text;
  }
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
