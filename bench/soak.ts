/**
 * `npm run bench -- --soak [--soak-min N] [--out NAME]`: sender -> netsim relay (1% loss) -> receiver as three
 * framewire processes for N minutes (default 30) at 640x480 rgb24, 60 fps, with NACK and RTX repairing the loss
 * (RTCP muxed, back through the relay). Every 10 s it samples each process's RSS, CPU and open fds from /proc; the
 * receiver's frame log gives the delivered fps. Writes bench/results/NAME.json and NAME.png (the curves), prints the
 * checks (bench/soak-check.ts) and exits 1 when one fails; `--soak --recheck FILE` checks a finished run's file again.
 * See docs/reliability.md.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from '../src/usage-error.js';
import { Child } from './child.js';
import { describeMachine, machineLine, type Machine } from './machine.js';
import { freeUdpPort } from './ports.js';
import { sampleProcess } from './process-sample.js';
import { udpDrained } from './proc.js';
import { FRAMEWIRE_BIN } from './relay.js';
import { fpsDriftCheck, fpsSeries, fpsWindowSec, memoryChecks, warmUpSec, type SoakCheck, type SoakPoint } from './soak-check.js';
import { renderSoakChart } from './soak-chart.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const SAMPLE_SEC = 10;
const SIZE = '640x480';
const FPS = 60;
const LOSS = '1%';
/** The receiver's latency budget: room for a NACK and its retransmission on a loaded machine. */
const LATENCY_MS = 200;
const ROLES = ['sender', 'relay', 'receiver'] as const;
type Role = (typeof ROLES)[number];

export interface SoakResults {
  date: string;
  machine: Machine;
  settings: { minutes: number; size: string; fps: number; loss: string; latencyMs: number; sampleSec: number; seed: number };
  /** One point per role every SAMPLE_SEC, t from the start of the sender. */
  samples: Record<Role, SoakPoint[]>;
  /** Delivered (complete) frames a second, per SAMPLE_SEC window of the receiver's frame log. */
  deliveredFps: number[];
  checks: SoakCheck[];
  sender: unknown;
  receiver: unknown;
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function parseSoakOptions(argv: string[]): { minutes: number; out: string; recheck?: string } {
  const { values } = parseArgs({
    args: argv,
    options: { soak: { type: 'boolean' }, 'soak-min': { type: 'string' }, out: { type: 'string' }, recheck: { type: 'string' } },
  });
  const minutes = Number(values['soak-min'] ?? 30);
  if (!Number.isFinite(minutes) || minutes < 1) throw new UsageError(`--soak-min: '${values['soak-min']}' must be a number of minutes, at least 1`);
  const out = values.out ?? 'soak';
  if (!/^[\w.-]+$/.test(out)) throw new UsageError(`--out: '${out}' must be a plain file name (letters, digits, . _ -)`);
  return { minutes, out, recheck: values.recheck };
}

/** The checks of a run, from its samples alone. */
export function soakChecks(samples: Record<Role, SoakPoint[]>, deliveredFps: number[], minutes: number): SoakCheck[] {
  const durationSec = minutes * 60;
  const warm = warmUpSec(durationSec);
  return [
    ...ROLES.flatMap((role) => memoryChecks(role, samples[role], warm)),
    fpsDriftCheck(deliveredFps, SAMPLE_SEC, fpsWindowSec(durationSec)),
  ];
}

function printChecks(checks: SoakCheck[]): void {
  for (const c of checks) say(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.value} (limit ${c.limit}; ${c.detail})`);
}

/** `--recheck FILE`: the checks of a finished run again (after the checks changed), its file and picture rewritten. */
async function recheck(file: string): Promise<void> {
  const results = JSON.parse(await readFile(file, 'utf8')) as SoakResults;
  results.checks = soakChecks(results.samples, results.deliveredFps, results.settings.minutes);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  await renderSoakChart(results, file.replace(/\.json$/, '.png'));
  printChecks(results.checks);
  if (results.checks.some((c) => !c.ok)) process.exitCode = 1;
}

export async function runSoak(argv: string[]): Promise<void> {
  const { minutes, out, recheck: file } = parseSoakOptions(argv);
  if (file) return recheck(file);
  const durationSec = minutes * 60;
  const machine = describeMachine(undefined);
  const seed = 1;
  say(`framewire soak: ${machineLine(machine)}`);
  say(`${minutes} min of ${SIZE} rgb24 at ${FPS} fps through a relay losing ${LOSS}, NACK + RTX, latency ${LATENCY_MS} ms`);
  const dir = await mkdtemp(join(tmpdir(), 'framewire-soak-'));
  const limitMs = (durationSec + 120) * 1000;
  const stream = ['--size', SIZE, '--rtcp-mux'];
  try {
    const port = await freeUdpPort();
    const relayPort = await freeUdpPort();
    const receiver = Child.start(process.execPath, [FRAMEWIRE_BIN, 'receive', '--listen', `127.0.0.1:${port}`, ...stream,
      '--nack', '--latency', String(LATENCY_MS), '--report', join(dir, 'receiver.json')], { timeoutMs: limitMs });
    await receiver.waitFor('framewire receive:');
    const relay = Child.start(process.execPath, [FRAMEWIRE_BIN, 'netsim', '--listen', `127.0.0.1:${relayPort}`,
      '--to', `127.0.0.1:${port}`, '--loss', LOSS, '--seed', String(seed)], { timeoutMs: limitMs });
    await relay.waitFor('relaying');
    const sender = Child.start(process.execPath, [FRAMEWIRE_BIN, 'send', ...stream, '--fps', String(FPS), '--rtx',
      '--duration', String(durationSec), '--to', `127.0.0.1:${relayPort}`, '--report', join(dir, 'sender.json')], { timeoutMs: limitMs });
    const pids: Record<Role, number> = { sender: sender.pid, relay: relay.pid, receiver: receiver.pid };
    const samples: Record<Role, SoakPoint[]> = { sender: [], relay: [], receiver: [] };
    const startMs = Date.now();
    let previous: Partial<Record<Role, { cpuSec: number; atMs: number }>> = {};
    const sampleAll = async (): Promise<void> => {
      const atMs = Date.now();
      const next: typeof previous = {};
      for (const role of ROLES) {
        const s = await sampleProcess(pids[role]);
        if (!s) continue;
        const before = previous[role];
        const cpuPct = before ? (100 * (s.cpuSec - before.cpuSec)) / ((atMs - before.atMs) / 1000) : 0;
        next[role] = { cpuSec: s.cpuSec, atMs };
        if (before) samples[role].push({ tSec: Math.round((atMs - startMs) / 1000), rssMb: s.rssMb, cpuPct, fds: s.fds });
      }
      previous = next;
      const r = samples.receiver.at(-1);
      if (r && Math.round(r.tSec) % 60 < SAMPLE_SEC) {
        say(`  ${Math.round(r.tSec / 60)} min: RSS ${ROLES.map((role) => `${role} ${samples[role].at(-1)?.rssMb.toFixed(1) ?? '-'}`).join(', ')} MB`);
      }
    };
    await sampleAll();
    const timer = setInterval(() => void sampleAll(), SAMPLE_SEC * 1000);
    try {
      await sender.succeeded();
    } finally {
      clearInterval(timer);
    }
    await udpDrained(relayPort);
    await udpDrained(port);
    receiver.signal('SIGINT');
    await receiver.succeeded();
    relay.signal('SIGINT');
    await relay.succeeded();

    const receiverReport = JSON.parse(await readFile(join(dir, 'receiver.json'), 'utf8'));
    const senderReport = JSON.parse(await readFile(join(dir, 'sender.json'), 'utf8'));
    const log = await readFile(join(dir, 'receiver.frames.jsonl'), 'utf8');
    const arrivals = log.split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as { complete: boolean; arrivalUs: number })
      .filter((r) => r.complete).map((r) => r.arrivalUs).sort((a, b) => a - b);
    const deliveredFps = fpsSeries(arrivals, SAMPLE_SEC);
    const checks = soakChecks(samples, deliveredFps, minutes);
    const results: SoakResults = {
      date: new Date().toISOString(), machine,
      settings: { minutes, size: SIZE, fps: FPS, loss: LOSS, latencyMs: LATENCY_MS, sampleSec: SAMPLE_SEC, seed },
      samples, deliveredFps, checks, sender: senderReport, receiver: receiverReport,
    };
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(join(RESULTS_DIR, `${out}.json`), `${JSON.stringify(results, null, 2)}\n`);
    await renderSoakChart(results, join(RESULTS_DIR, `${out}.png`)).catch((err: Error) => say(`chart not drawn: ${err.message}`));
    printChecks(checks);
    say(`  receiver: ${receiverReport.framesComplete} complete, ${receiverReport.framesIncomplete} incomplete of ${senderReport.framesSent} sent`);
    say(`wrote bench/results/${out}.json and bench/results/${out}.png`);
    if (checks.some((c) => !c.ok)) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
