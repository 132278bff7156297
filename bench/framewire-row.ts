import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/framewire.js', import.meta.url));

export interface RowConfig {
  size: string;
  format: 'rgb24' | 'uyvy';
  mtu: number;
  durationSec: number;
  /** Frames per second for the sender, or 'max'. */
  fps: number | 'max';
  /** Put framewire's netsim relay (no impairment) between sender and receiver. */
  relay?: boolean;
}

export interface RowResult {
  framesSent: number;
  framesComplete: number;
  senderSec: number;
  deliveredFps: number;
  completePct: number;
  mbps: number;
  packetsPerSec: number;
  senderCpuMsPerFrame: number;
  receiverCpuMsPerFrame: number;
  receiverPeakRssMb: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
}

interface Running {
  done: Promise<void>;
  stderr: () => string;
  kill: () => void;
}

function run(args: string[], readyText?: string): { proc: Running; ready: Promise<void> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    if (!readyText || stderr.includes(readyText)) markReady();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`framewire ${args[0]} exited ${code}: ${stderr}`))));
  });
  if (!readyText) markReady();
  return { proc: { done, stderr: () => stderr, kill: () => child.kill('SIGINT') }, ready };
}

let nextPort = 47000;

/** One sender process -> (optional relay process) -> one receiver process over loopback. */
export async function runFramewireRow(row: RowConfig): Promise<RowResult> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-bench-'));
  const port = nextPort;
  nextPort += 2;
  const stream = ['--size', row.size, '--format', row.format];
  try {
    const receiver = run(['receive', '--listen', `127.0.0.1:${port}`, ...stream, '--timeout', '1',
      '--report', join(dir, 'receiver.json')], 'framewire receive:');
    await receiver.ready;
    let target = `127.0.0.1:${port}`;
    let relay: Running | undefined;
    if (row.relay) {
      const r = run(['netsim', '--listen', `127.0.0.1:${port + 1}`, '--to', target], 'seed');
      await r.ready;
      relay = r.proc;
      target = `127.0.0.1:${port + 1}`;
    }
    const sender = run(['send', ...stream, '--mtu', String(row.mtu), '--fps', String(row.fps),
      '--duration', String(row.durationSec), '--to', target, '--report', join(dir, 'sender.json')]);
    await sender.proc.done;
    await receiver.proc.done;
    relay?.kill();
    await relay?.done.catch(() => undefined);
    const s = JSON.parse(await readFile(join(dir, 'sender.json'), 'utf8'));
    const r = JSON.parse(await readFile(join(dir, 'receiver.json'), 'utf8'));
    const cpu = (u: { cpuUserSec: number; cpuSystemSec: number }) => (u.cpuUserSec + u.cpuSystemSec) * 1000;
    return {
      framesSent: s.framesSent,
      framesComplete: r.framesComplete,
      senderSec: s.durationSec,
      deliveredFps: r.framesComplete / s.durationSec,
      completePct: (100 * r.framesComplete) / Math.max(1, s.framesSent),
      mbps: (r.bytesReceived * 8) / s.durationSec / 1e6,
      packetsPerSec: r.packetsReceived / s.durationSec,
      senderCpuMsPerFrame: cpu(s.usage) / Math.max(1, s.framesSent),
      receiverCpuMsPerFrame: cpu(r.usage) / Math.max(1, r.framesComplete),
      receiverPeakRssMb: r.usage.peakRssMb,
      latencyP50Ms: r.latencyMs?.p50,
      latencyP99Ms: r.latencyMs?.p99,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
