/** One framewire run: a sender process -> (optional relay process) -> a receiver process over loopback. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './child.js';
import { freeUdpPort } from './ports.js';
import { udpDrained } from './proc.js';
import { FRAMEWIRE_BIN, startRelay } from './relay.js';
import type { RowConfig, RunResult } from './row.js';

export interface FramewireOptions {
  /** false runs the pure-JS socket path (FRAMEWIRE_NATIVE=0). */
  native: boolean;
  /** Called with the receiver's pid once it listens (the memory row samples its RSS). */
  onReceiver?: (pid: number) => void;
}

/**
 * A safety net only: the receiver is stopped (SIGINT, which still writes its report) once its socket has drained
 * after the sender ends; an idle timeout would have to outlast the start-up of the sender and relay processes.
 */
const RECEIVER_IDLE_SEC = 30;

export async function runFramewireRow(row: RowConfig, opts: FramewireOptions): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-bench-'));
  const env = opts.native ? process.env : { ...process.env, FRAMEWIRE_NATIVE: '0' };
  const limitMs = (row.durationSec + 60) * 1000;
  const stream = ['--size', row.size, '--format', row.format];
  try {
    const port = await freeUdpPort();
    const receiver = Child.start(process.execPath, [FRAMEWIRE_BIN, 'receive', '--listen', `127.0.0.1:${port}`,
      ...stream, '--timeout', String(RECEIVER_IDLE_SEC), '--report', join(dir, 'receiver.json')], { env, timeoutMs: limitMs });
    await receiver.waitFor('framewire receive:');
    opts.onReceiver?.(receiver.pid);
    const relay = row.relay ? await startRelay(port, env) : undefined;
    const sender = Child.start(process.execPath, [FRAMEWIRE_BIN, 'send', ...stream, '--mtu', String(row.mtu),
      '--fps', String(row.fps), '--duration', String(row.durationSec), '--to', `127.0.0.1:${relay?.port ?? port}`,
      '--report', join(dir, 'sender.json')], { env, timeoutMs: limitMs });
    await sender.succeeded();
    if (relay) await udpDrained(relay.port);
    await udpDrained(port);
    receiver.signal('SIGINT');
    await receiver.succeeded();
    await relay?.stop();
    const s = JSON.parse(await readFile(join(dir, 'sender.json'), 'utf8')) as SenderJson;
    const r = JSON.parse(await readFile(join(dir, 'receiver.json'), 'utf8')) as ReceiverJson;
    return framewireResult(s, r);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Usage {
  cpuUserSec: number;
  cpuSystemSec: number;
  peakRssMb: number;
}

interface SenderJson {
  framesSent: number;
  durationSec: number;
  usage: Usage;
}

interface ReceiverJson {
  framesComplete: number;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  latencyMs?: { p50: number; p99: number };
  usage: Usage;
}

function framewireResult(s: SenderJson, r: ReceiverJson): RunResult {
  const cpuMs = (u: Usage) => (u.cpuUserSec + u.cpuSystemSec) * 1000;
  const sec = Math.max(s.durationSec, 1e-6);
  return {
    framesSent: s.framesSent,
    framesComplete: r.framesComplete,
    packetsLost: r.packetsLost,
    senderSec: s.durationSec,
    deliveredFps: r.framesComplete / sec,
    completePct: (100 * r.framesComplete) / Math.max(1, s.framesSent),
    mbps: (r.bytesReceived * 8) / sec / 1e6,
    packetsPerSec: r.packetsReceived / sec,
    senderCpuMsPerFrame: cpuMs(s.usage) / Math.max(1, s.framesSent),
    receiverCpuMsPerFrame: cpuMs(r.usage) / Math.max(1, r.framesComplete),
    receiverPeakRssMb: r.usage.peakRssMb,
    latencyP50Ms: r.latencyMs?.p50,
    latencyP99Ms: r.latencyMs?.p99,
  };
}
