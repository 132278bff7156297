/** One benchmark configuration and what one run of it measured, the same for every engine. */
import type { PixelFormat } from '../src/frame.js';

export interface RowConfig {
  size: string;
  format: PixelFormat;
  mtu: number;
  /** Sender run time in seconds (GStreamer: a frame count chosen to last about this long). */
  durationSec: number;
  /** Frames per second for the sender, or 'max'. */
  fps: number | 'max';
  /** Put framewire's netsim relay (no impairment) between sender and receiver. */
  relay?: boolean;
}

export interface RunResult {
  framesSent: number;
  framesComplete: number;
  /** Datagrams sent but not received (GStreamer: dropped by the kernel at the receiving socket). */
  packetsLost: number;
  /** Sender seconds: framewire's window, N frames over N frame periods (src/frame-rate.ts); GStreamer's PLAYING to EOS. */
  senderSec: number;
  /** Complete frames at the receiver per sender second. */
  deliveredFps: number;
  completePct: number;
  /** UDP payload bits received per sender second, in millions. */
  mbps: number;
  packetsPerSec: number;
  /** User + system CPU of the whole process (start-up included) per frame sent / completed. */
  senderCpuMsPerFrame: number;
  receiverCpuMsPerFrame: number;
  receiverPeakRssMb: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  /**
   * framewire: user + system CPU of each process from the moment the sender starts sending (its start line) to its
   * exit, over that same wall time, in % of one core (start-up left out; the receiver's drain after the sender
   * ended counts, over the sender's time: an upper bound).
   */
  senderCpuPct?: number;
  receiverCpuPct?: number;
  /** framewire: how its frames left ('gso', 'sendmmsg' or 'dgram'), from the sender report. Not summarized. */
  sendPath?: string;
  /** framewire, paced: actual send time minus due time per datagram (sender report), and frames started late. */
  latenessP50Us?: number;
  latenessP99Us?: number;
  latenessMaxUs?: number;
  framesDelayed?: number;
  /** framewire with UDP GRO on the receiving socket: datagrams that arrived coalesced, and the buffers they came in. */
  groDatagrams?: number;
  groBuffers?: number;
}

/** The RunResult numbers that are summarized over runs (all but sendPath). */
export type RunNumber = { [K in keyof RunResult]-?: NonNullable<RunResult[K]> extends number ? K : never }[keyof RunResult];

export function dimensions(size: string): { width: number; height: number } {
  const [width, height] = size.split('x').map(Number);
  return { width: width!, height: height! };
}

export function frameBytes(row: Pick<RowConfig, 'size' | 'format'>): number {
  const { width, height } = dimensions(row.size);
  return width * height * (row.format === 'rgb24' ? 3 : 2);
}
