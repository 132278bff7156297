/**
 * An instrument for the netsim relay's timing that does not trust the relay: probe datagrams, numbered, go to
 * the relay at a fixed rate, and dumpcap (Wireshark's capture engine, a separate process) timestamps each one in the
 * kernel twice on loopback, as it enters the relay and as it leaves for the sink. The relay's delay is the
 * difference, per probe; its error is that minus the configured delay. Used by bench/relay-timing.ts (strict
 * figures, idle machine) and by the e2e test (medians, loaded CI).
 *
 *   probe ──▶ :in  relay (own process) ──▶ :out sink
 *          ▲ dumpcap stamps here           ▲ and here
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../src/metrics.js';

/** Each probe starts with its number and this tag, so stray datagrams on the ports are not mistaken for probes. */
const TAG = 0x46575052; // "FWPR"
const HEADER_BYTES = 8;

export interface ProbeTimes {
  /** Probes sent. */
  sent: number;
  /** Probes seen entering the relay, and leaving it. */
  seenIn: number;
  seenOut: number;
  /** Per probe that went both ways: capture time out - capture time in, µs. */
  delaysUs: number[];
  /** Probes that left the relay before one sent earlier (by the capture's order). */
  reordered: number;
  /** Bytes of the datagrams leaving, with the first and last departure: the rate actually delivered. */
  outBytes: number;
  outSpanUs: number;
}

export interface DelayError {
  count: number;
  /** Measured delay minus the nominal one, µs: percentiles of its absolute value, and its median with sign. */
  p50: number;
  p99: number;
  max: number;
  medianSigned: number;
}

/** The error of measured delays against a nominal delay. */
export function delayError(delaysUs: readonly number[], nominalUs: number): DelayError {
  const signed = delaysUs.map((d) => d - nominalUs).sort((a, b) => a - b);
  const abs = signed.map(Math.abs).sort((a, b) => a - b);
  return {
    count: abs.length,
    p50: percentile(abs, 50),
    p99: percentile(abs, 99),
    max: abs.length ? abs[abs.length - 1]! : NaN,
    medianSigned: percentile(signed, 50),
  };
}

/** dumpcap on loopback, writing the datagrams to either port into a pcapng file until stopped. */
export class LoopbackCapture {
  private constructor(
    private readonly proc: ChildProcess,
    readonly file: string,
    private readonly dir: string,
    private readonly probeBytes: number,
  ) {}

  /** Captures datagrams to `ports`; probes are `probeBytes` long (as sendProbes was told). */
  static async start(ports: readonly number[], probeBytes: number): Promise<LoopbackCapture> {
    const dir = await mkdtemp(path.join(tmpdir(), 'framewire-probe-'));
    const file = path.join(dir, 'probe.pcapng');
    const filter = ports.map((p) => `udp dst port ${p}`).join(' or ');
    // -B: a kernel buffer big enough that 10,000 probes/s are never dropped by the capture itself (it would say so).
    const proc = spawn('dumpcap', ['-q', '-i', 'lo', '-B', '64', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => { stderr += d; });
    const started = await Promise.race([
      new Promise<boolean>((resolve) => proc.stderr!.on('data', () => { if (/Capturing on/.test(stderr)) resolve(true); })),
      once(proc, 'exit').then(() => false),
      sleep(15_000).then(() => false),
    ]);
    if (!started) {
      proc.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`dumpcap did not start capturing on lo: ${stderr.trim() || 'no output'}`);
    }
    return new LoopbackCapture(proc, file, dir, probeBytes);
  }

  /** Stops the capture once everything it was handed is written. */
  async stop(): Promise<void> {
    const exited = once(this.proc, 'exit');
    this.proc.kill('SIGINT');
    await exited;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The probes' two crossings, read back with tshark. */
  async probeTimes(inPort: number, outPort: number, sent: number): Promise<ProbeTimes> {
    const tshark = spawn('tshark', ['-r', this.file, '-T', 'fields', '-E', 'separator=,', '-e', 'frame.time_epoch',
      '-e', 'udp.dstport', '-e', 'udp.length', '-e', 'udp.payload'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(tshark, 'exit');
    const inUs = new Map<number, number>();
    const times: ProbeTimes = { sent, seenIn: 0, seenOut: 0, delaysUs: [], reordered: 0, outBytes: 0, outSpanUs: 0 };
    let epoch = -1;
    let lastOut = -1;
    let firstOutUs = NaN;
    let lastOutUs = NaN;
    // Line by line: the payloads' hex of a few seconds of MTU-size probes is more than one string may hold.
    for await (const line of createInterface({ input: tshark.stdout! })) {
      const [time, port, udpLength, payload] = line.split(',');
      if (!time || !payload) continue;
      // Seconds since the epoch lose sub-µs precision in a double: count from the capture's first whole second.
      const [whole, fraction = '0'] = time.split('.');
      if (epoch < 0) epoch = Number(whole);
      const us = (Number(whole) - epoch) * 1e6 + Number(`0.${fraction}`) * 1e6;
      // A UDP GSO send crosses loopback as one capture record holding its equal-size segments back to back.
      const segments = Math.max(1, Math.floor((Number(udpLength) - 8) / this.probeBytes));
      for (let s = 0; s < segments; s++) {
        const at = s * this.probeBytes * 2;
        if (payload.length < at + HEADER_BYTES * 2 || parseInt(payload.slice(at + 8, at + 16), 16) !== TAG) continue;
        const seq = parseInt(payload.slice(at, at + 8), 16);
        if (Number(port) === inPort) {
          times.seenIn++;
          inUs.set(seq, us);
        } else if (Number(port) === outPort) {
          times.seenOut++;
          times.outBytes += this.probeBytes;
          if (Number.isNaN(firstOutUs)) firstOutUs = us;
          lastOutUs = us;
          if (seq < lastOut) times.reordered++;
          else lastOut = seq;
          const entered = inUs.get(seq);
          if (entered !== undefined) times.delaysUs.push(us - entered);
        }
      }
    }
    const [code] = (await exited) as [number];
    if (code !== 0) throw new Error(`tshark could not read ${this.file} (exit ${code})`);
    times.outSpanUs = lastOutUs - firstOutUs;
    return times;
  }
}

/** A socket that takes whatever the relay forwards, so nothing bounces back as port-unreachable. */
export async function startSink(): Promise<{ port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/**
 * Sends `count` probes of `bytes` each to `port` at `pps`: on each tick, as many as are due by then. The rate need
 * not be exact (each probe is timed at both crossings); it only sets the load.
 */
export async function sendProbes(port: number, pps: number, count: number, bytes: number): Promise<void> {
  if (bytes < HEADER_BYTES) throw new RangeError(`probes must be at least ${HEADER_BYTES} bytes`);
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  const start = performance.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * pps) + 1);
    while (sent < due) {
      const probe = Buffer.alloc(bytes);
      probe.writeUInt32BE(sent, 0);
      probe.writeUInt32BE(TAG, 4);
      socket.send(probe);
      sent++;
    }
    await sleep(1);
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}
