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
}

export function dimensions(size: string): { width: number; height: number } {
  const [width, height] = size.split('x').map(Number);
  return { width: width!, height: height! };
}

export function frameBytes(row: Pick<RowConfig, 'size' | 'format'>): number {
  const { width, height } = dimensions(row.size);
  return width * height * (row.format === 'rgb24' ? 3 : 2);
}
