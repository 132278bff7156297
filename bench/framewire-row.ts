/** One framewire run: a sender process -> (optional relay process) -> a receiver process over loopback. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './child.js';
import type { FramewireEngine } from './plan.js';
import { freeUdpPort } from './ports.js';
import { udpDrained } from './proc.js';
import { sampleProcess } from './process-sample.js';
import { FRAMEWIRE_BIN, startRelay } from './relay.js';
import type { RowConfig, RunResult } from './row.js';

export interface FramewireOptions {
  engine: FramewireEngine;
  /** Called with the receiver's pid once it listens (the memory row samples its RSS). */
  onReceiver?: (pid: number) => void;
}

/**
 * A safety net only: the receiver is stopped (SIGINT, which still writes its report) once its socket has drained
 * after the sender ends; an idle timeout would have to outlast the start-up of the sender and relay processes.
 */
const RECEIVER_IDLE_SEC = 30;

/** What the sender prints once its sockets are open, just before its first frame. */
const SENDER_START_LINE = 'framewire send:';

/**
 * The environment of an engine's processes: the native addon with UDP GSO/GRO (as shipped), the same with them off
 * (FRAMEWIRE_GSO=0: one datagram per sendmmsg message, no GRO), or the pure-JS path (FRAMEWIRE_NATIVE=0). The
 * variables are set or removed outright, so the caller's own environment cannot switch an engine's path.
 */
export function engineEnv(engine: FramewireEngine, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { FRAMEWIRE_GSO: _gso, FRAMEWIRE_NATIVE: _native, ...env } = base;
  if (engine === 'framewire-sendmmsg') return { ...env, FRAMEWIRE_GSO: '0' };
  if (engine === 'framewire-js') return { ...env, FRAMEWIRE_NATIVE: '0' };
  return env;
}

export async function runFramewireRow(row: RowConfig, opts: FramewireOptions): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-bench-'));
  const env = engineEnv(opts.engine);
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
    // CPU is counted from here: start-up (loading modules, drawing the source, touching buffers) is left out.
    const started = sender.waitFor(SENDER_START_LINE).then(async () => {
      const [s, r] = await Promise.all([sampleProcess(sender.pid), sampleProcess(receiver.pid)]);
      return { atMs: performance.now(), senderCpuSec: s?.cpuSec, receiverCpuSec: r?.cpuSec };
    });
    started.catch(() => undefined); // a sender that fails first is reported by succeeded() below
    await sender.succeeded();
    const sendEndMs = performance.now();
    const start = await started;
    if (relay) await udpDrained(relay.port);
    await udpDrained(port);
    receiver.signal('SIGINT');
    await receiver.succeeded();
    await relay?.stop();
    const s = JSON.parse(await readFile(join(dir, 'sender.json'), 'utf8')) as SenderJson;
    const r = JSON.parse(await readFile(join(dir, 'receiver.json'), 'utf8')) as ReceiverJson;
    return framewireResult(s, r, {
      wallSec: (sendEndMs - start.atMs) / 1000, senderCpuSec: start.senderCpuSec, receiverCpuSec: start.receiverCpuSec,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Usage {
  cpuUserSec: number;
  cpuSystemSec: number;
  peakRssMb: number;
}

export interface SenderJson {
  framesSent: number;
  durationSec: number;
  sendPath?: string;
  pacing: { latenessUs?: { p50: number; p99: number; max: number }; framesDelayed: number };
  usage: Usage;
}

export interface ReceiverJson {
  framesComplete: number;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  latencyMs?: { p50: number; p99: number };
  gro?: { datagrams: number; buffers: number };
  usage: Usage;
}

/** Each process's CPU seconds when the sender started sending (undefined: not read), and the wall time since. */
export interface CpuWindow {
  wallSec: number;
  senderCpuSec?: number;
  receiverCpuSec?: number;
}

export function framewireResult(s: SenderJson, r: ReceiverJson, cpu: CpuWindow): RunResult {
  const cpuSec = (u: Usage) => u.cpuUserSec + u.cpuSystemSec;
  const pct = (u: Usage, atStart: number | undefined) =>
    atStart === undefined || cpu.wallSec <= 0 ? undefined : (100 * (cpuSec(u) - atStart)) / cpu.wallSec;
  const sec = Math.max(s.durationSec, 1e-6);
  const late = s.pacing.latenessUs;
  return {
    framesSent: s.framesSent,
    framesComplete: r.framesComplete,
    packetsLost: r.packetsLost,
    senderSec: s.durationSec,
    deliveredFps: r.framesComplete / sec,
    completePct: (100 * r.framesComplete) / Math.max(1, s.framesSent),
    mbps: (r.bytesReceived * 8) / sec / 1e6,
    packetsPerSec: r.packetsReceived / sec,
    senderCpuMsPerFrame: (cpuSec(s.usage) * 1000) / Math.max(1, s.framesSent),
    receiverCpuMsPerFrame: (cpuSec(r.usage) * 1000) / Math.max(1, r.framesComplete),
    receiverPeakRssMb: r.usage.peakRssMb,
    latencyP50Ms: r.latencyMs?.p50,
    latencyP99Ms: r.latencyMs?.p99,
    senderCpuPct: pct(s.usage, cpu.senderCpuSec),
    receiverCpuPct: pct(r.usage, cpu.receiverCpuSec),
    sendPath: s.sendPath,
    latenessP50Us: late?.p50,
    latenessP99Us: late?.p99,
    latenessMaxUs: late?.max,
    // Paced senders only: a burst (--fps max) starts no frame late, and says nothing about it.
    framesDelayed: late ? s.pacing.framesDelayed : undefined,
    groDatagrams: r.gro?.datagrams,
    groBuffers: r.gro?.buffers,
  };
}
