/**
 * How exact the netsim relay's delays and rate are, by an instrument the relay does not control (bench/relay-probe.ts:
 * dumpcap's kernel timestamps of each probe entering and leaving the relay). The relay runs as its own process, as
 * users run it. Writes bench/results/relay-timing.{json,md}; docs/timing.md quotes it.
 *
 *   npx tsx bench/relay-timing.ts [--seconds 5] [--bytes 200]
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Child } from './child.js';
import { loadavg } from 'node:os';
import { describeMachine, machineLine } from './machine.js';
import { freeUdpPort } from './ports.js';
import { FRAMEWIRE_BIN } from './relay.js';
import { delayError, LoopbackCapture, sendProbes, startSink, type DelayError } from './relay-probe.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    bytes: { type: 'string', default: '200' },
  },
});
const seconds = Number(values.seconds);
const bytes = Number(values.bytes);

interface Row {
  name: string;
  pps: number;
  flags: string[];
  nominalDelayUs?: number;
  rateBitsPerSec?: number;
}

const rows: Row[] = [
  { name: 'delay 40ms', pps: 1_000, flags: ['--delay', '40ms'], nominalDelayUs: 40_000 },
  { name: 'delay 40ms', pps: 10_000, flags: ['--delay', '40ms'], nominalDelayUs: 40_000 },
  // 10,000 probes/s of 200 bytes offer 16 Mbit/s of payload; the limit holds them to 8.
  { name: 'rate 8mbit', pps: 10_000, flags: ['--rate', '8mbit', '--queue', '10mb'], rateBitsPerSec: 8e6 },
];

interface Result {
  name: string;
  pps: number;
  sent: number;
  seenIn: number;
  seenOut: number;
  reordered: number;
  probe?: DelayError;
  relaySays?: string;
  rate?: { configuredMbps: number; measuredMbps: number; errorPercent: number };
}

async function measure(row: Row): Promise<Result> {
  const sink = await startSink();
  const inPort = await freeUdpPort();
  const capture = await LoopbackCapture.start([inPort, sink.port], bytes);
  const relay = Child.start(process.execPath, [FRAMEWIRE_BIN, 'netsim', '--listen', `127.0.0.1:${inPort}`,
    '--to', `127.0.0.1:${sink.port}`, '--seed', '1', ...row.flags], { timeoutMs: 120_000 });
  try {
    await relay.waitFor('relaying');
    const count = Math.round(row.pps * seconds);
    await sendProbes(inPort, row.pps, count, bytes);
    // Let the last probes out of the delay line, or the rate limiter's queue, before stopping.
    const drainMs = row.rateBitsPerSec ? (count * bytes * 8 * 1000) / row.rateBitsPerSec : 500;
    await new Promise((resolve) => setTimeout(resolve, drainMs + 500));
    relay.signal('SIGINT');
    await relay.succeeded();
    await capture.stop();
    const times = await capture.probeTimes(inPort, sink.port, count);
    const result: Result = {
      name: row.name, pps: row.pps, sent: count, seenIn: times.seenIn, seenOut: times.seenOut, reordered: times.reordered,
      relaySays: /forward: .*delay (p50 \S+ p99 \S+)/.exec(relay.output())?.[1],
    };
    if (row.nominalDelayUs !== undefined) result.probe = delayError(times.delaysUs, row.nominalDelayUs);
    if (row.rateBitsPerSec !== undefined) {
      // The rate stage meters datagrams (UDP payload), not IP packets: n datagrams fill n - 1 gaps first to last.
      const measured = ((times.outBytes * 8) / (times.outSpanUs / 1e6)) * ((times.seenOut - 1) / times.seenOut);
      result.rate = {
        configuredMbps: row.rateBitsPerSec / 1e6,
        measuredMbps: measured / 1e6,
        errorPercent: ((measured - row.rateBitsPerSec) / row.rateBitsPerSec) * 100,
      };
    }
    return result;
  } finally {
    relay.signal('SIGKILL');
    await sink.close();
    await capture.remove();
  }
}

const ms = (us: number): string => (us / 1000).toFixed(3);
const results: Result[] = [];
for (const row of rows) {
  const r = await measure(row);
  results.push(r);
  console.log(JSON.stringify(r));
}
const machine = machineLine(describeMachine(undefined));
const load = loadavg()[0]!.toFixed(2);
const lines = [
  `# netsim relay timing (${new Date().toISOString()})`,
  '',
  `${machine}, load average ${load} at the end; probes of ${bytes} bytes for ${seconds} s; times from dumpcap on lo (kernel timestamps).`,
  '',
  '| setting | probes/s | seen in/out | reordered | delay error p50 / p99 / max (ms) | relay says | rate measured |',
  '|---|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.name} | ${r.pps} | ${r.seenIn}/${r.seenOut} | ${r.reordered} | ` +
    (r.probe ? `${ms(r.probe.p50)} / ${ms(r.probe.p99)} / ${ms(r.probe.max)}` : '') + ` | ${r.relaySays ?? ''} | ` +
    (r.rate ? `${r.rate.measuredMbps.toFixed(3)} Mbit/s (${r.rate.errorPercent.toFixed(2)}%)` : '') + ' |'),
];
const dir = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(dir, { recursive: true });
await writeFile(`${dir}relay-timing.json`, JSON.stringify({ machine, load, bytes, seconds, results }, null, 2));
await writeFile(`${dir}relay-timing.md`, `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
