/**
 * `npm run bench:pacing`: how closely framewire's sender keeps its packet schedule, measured by an independent
 * instrument: a separate receiver process (scripts/rtp-arrivals.py) stamps every packet with the kernel's receive time
 * (SO_TIMESTAMPNS). For 640x480@60, 1280x720@30 and 1920x1080@30 (uyvy, the default MTU), each in linear, gapped
 * and burst pacing, it reports per packet:
 *
 *   gap error     (arrival k - arrival k-1) - TRS, within a frame   how evenly packets follow each other
 *   offset error  arrival k - (arrival 0 + k x TRS), within a frame how far a packet is from its slot in the frame
 *
 * TRS is the schedule's packet spacing (src/transport/pacing.ts); burst is held against the linear schedule, to show
 * how far from paced it is. Writes bench/results/pacing.json and .md and prints the table. See docs/timing.md.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameSchedule, type PacingMode } from '../src/transport/pacing.js';
import { describeMachine, machineLine } from './machine.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/framewire.js', import.meta.url));
const PROBE = fileURLToPath(new URL('../scripts/rtp-arrivals.py', import.meta.url));
const RECORD_BYTES = 16;
/** How long the probe waits after the last packet before it stops. */
const IDLE_SEC = 1.5;

interface Format {
  size: string;
  fps: number;
  frames: number;
}

const FORMATS: Format[] = [
  { size: '640x480', fps: 60, frames: 120 },
  { size: '1280x720', fps: 30, frames: 60 },
  { size: '1920x1080', fps: 30, frames: 60 },
];
const MODES: PacingMode[] = ['linear', 'gapped', 'burst'];

interface Row {
  size: string;
  fps: number;
  mode: PacingMode;
  packetsPerFrame: number;
  trsUs: number;
  packetsSent: number;
  packetsReceived: number;
  gapErrorUs: { p50: number; p99: number };
  offsetErrorUs: { p50: number; p99: number };
  /** What the sender itself reported (the native thread's send times against due times). */
  senderLatenessUs?: { p50: number; p99: number; max: number };
  framesDelayed: number;
  load1: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function spread(values: number[]): { p50: number; p99: number } {
  const s = values.map(Math.abs).sort((a, b) => a - b);
  return { p50: percentile(s, 50) / 1000, p99: percentile(s, 99) / 1000 };
}

function run(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function readPort(file: string, probe: Promise<unknown>): Promise<number> {
  let exited = false;
  void probe.then(() => { exited = true; });
  for (let i = 0; i < 3000 && !exited; i++) { // python starts slowly on a busy machine: up to 30 s
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text) return Number(text);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the probe did not start');
}

async function measure(dir: string, f: Format, mode: PacingMode): Promise<Row> {
  const [width, height] = f.size.split('x').map(Number) as [number, number];
  const portFile = join(dir, 'port');
  const out = join(dir, 'probe.bin');
  const report = join(dir, 'send.json');
  await rm(portFile, { force: true });
  const frameBytes = width * height * 2;
  const expected = f.frames * Math.ceil(frameBytes / 1300) * 2; // an upper bound: the probe stops when idle
  const probe = run('python3', [PROBE, portFile, out, String(expected), String(IDLE_SEC)]);
  const port = await readPort(portFile, probe);
  const load1 = loadavg()[0]!;
  const sent = await run('node', [BIN, 'send', '--source', 'pattern:smpte', '--size', f.size, '--format', 'uyvy',
    '--fps', String(f.fps), '--frames', String(f.frames), '--pacing', mode, '--to', `127.0.0.1:${port}`, '--report', report]);
  if (sent.code !== 0) throw new Error(`send failed: ${sent.stderr}`);
  const probed = await probe;
  if (probed.code !== 0) throw new Error(`probe failed: ${probed.stderr}`);
  const stats = JSON.parse(await readFile(report, 'utf8')) as {
    packetsSent: number;
    pacing: { latenessUs?: { p50: number; p99: number; max: number }; framesDelayed: number };
  };

  const data = await readFile(out);
  const frames = new Map<number, number[]>();
  for (let at = 0; at + RECORD_BYTES <= data.length; at += RECORD_BYTES) {
    const ns = Number(data.readBigInt64LE(at));
    const ts = data.readUInt32LE(at + 12);
    let list = frames.get(ts);
    if (!list) frames.set(ts, (list = []));
    list.push(ns);
  }
  const packetsPerFrame = Math.round(stats.packetsSent / f.frames);
  const { spacingNs } = frameSchedule(mode === 'burst' ? 'linear' : mode, 1e9 / f.fps, packetsPerFrame);
  const gaps: number[] = [];
  const offsets: number[] = [];
  for (const arrivals of frames.values()) {
    for (let k = 1; k < arrivals.length; k++) {
      gaps.push(arrivals[k]! - arrivals[k - 1]! - spacingNs);
      offsets.push(arrivals[k]! - (arrivals[0]! + k * spacingNs));
    }
  }
  return {
    size: f.size,
    fps: f.fps,
    mode,
    packetsPerFrame,
    trsUs: spacingNs / 1000,
    packetsSent: stats.packetsSent,
    packetsReceived: data.length / RECORD_BYTES,
    gapErrorUs: spread(gaps),
    offsetErrorUs: spread(offsets),
    ...(stats.pacing.latenessUs ? { senderLatenessUs: stats.pacing.latenessUs } : {}),
    framesDelayed: stats.pacing.framesDelayed,
    load1,
  };
}

function us(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(v < 10 ? 1 : 0)} µs`;
}

function markdown(rows: Row[], machine: string): string {
  const lines = [
    `Machine: ${machine}. Load average (1 min) at each run's start is in the last column.`,
    '',
    '| format | pacing | packets/frame | TRS | gap error p50 / p99 | offset error p50 / p99 | sender lateness p50 / p99 / max | received / sent | load |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const late = r.senderLatenessUs ? `${us(r.senderLatenessUs.p50)} / ${us(r.senderLatenessUs.p99)} / ${us(r.senderLatenessUs.max)}` : '-';
    lines.push(`| ${r.size}@${r.fps} uyvy | ${r.mode} | ${r.packetsPerFrame} | ${us(r.trsUs)} | ` +
      `${us(r.gapErrorUs.p50)} / ${us(r.gapErrorUs.p99)} | ${us(r.offsetErrorUs.p50)} / ${us(r.offsetErrorUs.p99)} | ${late} | ` +
      `${r.packetsReceived} / ${r.packetsSent} | ${r.load1.toFixed(1)} |`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-pacing-'));
  const rows: Row[] = [];
  try {
    for (const f of FORMATS) {
      for (const mode of MODES) {
        const row = await measure(dir, f, mode);
        process.stderr.write(`${row.size}@${row.fps} ${row.mode}: gap error p50 ${us(row.gapErrorUs.p50)} p99 ${us(row.gapErrorUs.p99)}\n`);
        rows.push(row);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const machine = machineLine(describeMachine(undefined));
  const md = markdown(rows, machine);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, 'pacing.json'), `${JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, 'pacing.md'), md);
  process.stdout.write(md);
}

await main();
