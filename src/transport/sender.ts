import type dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { nowUs, type Frame } from '../frame.js';
import { createPacketizer } from '../rtp/index.js';
import type { Packetizer, Wire } from '../rtp/payload-format.js';
import type { Source } from '../sources/source.js';
import type { Endpoint } from './endpoint.js';
import { closeSocket, connectSocket } from './udp.js';

export interface SenderOptions {
  to: Endpoint;
  wire: Wire;
  mtu: number;
  /** Frames per second, or 'max' to send each frame as soon as the previous one left. */
  fps: number | 'max';
  /** Stop after this many frames. */
  frames?: number;
  /** Stop after this many seconds. */
  durationSec?: number;
  ssrc?: number;
  /** First RTP sequence number (random when absent); a harness that tracks packet loss sets it. */
  initialSequence?: number;
  signal?: AbortSignal;
  /** Told about each frame once all its packets left, e.g. so a harness can map RTP timestamps to frames. */
  onFrameSent?: (frame: SentFrame) => void;
}

export interface SentFrame {
  index: number;
  captureTimeUs: number;
  rtpTimestamp?: number;
  packets: number;
}

export interface SenderStats {
  framesSent: number;
  packetsSent: number;
  bytesSent: number;
  /** Sends the OS refused (e.g. ECONNREFUSED while nobody listens yet); those packets are lost. */
  sendErrors: number;
  /** Frames sent after their due time because the previous frame took longer than 1/fps. */
  framesLate: number;
  durationSec: number;
  fps: number;
  bitrateMbps: number;
  ssrc?: number;
}

/**
 * Paces frames from a source onto the wire. One frame is in flight at a time: the packetizer's headers and the
 * source's pixels are handed to the kernel without copying, so both must stay untouched until every send of the
 * frame has completed.
 */
export class Sender {
  private outstanding = 0;
  private frameSent: (() => void) | undefined;
  private startUs = 0;
  private endUs = 0;
  readonly stats: SenderStats = {
    framesSent: 0, packetsSent: 0, bytesSent: 0, sendErrors: 0, framesLate: 0, durationSec: 0, fps: 0, bitrateMbps: 0,
  };

  private constructor(
    private readonly packetizer: Packetizer,
    private readonly socket: dgram.Socket,
    private readonly source: Source,
    private readonly options: SenderOptions,
  ) {
    this.stats.ssrc = packetizer.ssrc;
  }

  /** Validates the wire settings (a usage error names the flag) before opening the socket. */
  static async open(source: Source, options: SenderOptions): Promise<Sender> {
    const packetizer = createPacketizer(options.wire, source.geometry, {
      mtu: options.mtu, ssrc: options.ssrc, initialSequence: options.initialSequence,
    });
    return new Sender(packetizer, await connectSocket(options.to), source, options);
  }

  /** Sends until frames/duration are reached, the source ends or the signal aborts; resolves to the final stats. */
  async run(): Promise<SenderStats> {
    const { fps, frames, durationSec, signal } = this.options;
    const intervalUs = fps === 'max' ? 0 : 1e6 / fps;
    const iterator = this.source[Symbol.asyncIterator]();
    this.startUs = nowUs();
    try {
      for (let i = 0; frames === undefined || i < frames; i++) {
        if (signal?.aborted) break;
        if (intervalUs > 0) {
          const waitUs = this.startUs + i * intervalUs - nowUs();
          if (waitUs > 1000) await sleep(waitUs / 1000, undefined, { signal }).catch(() => undefined);
          else if (waitUs < -intervalUs) this.stats.framesLate++;
          if (signal?.aborted) break;
        }
        if (durationSec !== undefined && nowUs() - this.startUs >= durationSec * 1e6) break;
        const next = await iterator.next();
        if (next.done) break;
        await this.sendFrame(next.value);
      }
    } finally {
      this.endUs = nowUs();
      await iterator.return?.();
      await closeSocket(this.socket);
    }
    return this.snapshot();
  }

  snapshot(): SenderStats {
    const s = this.stats;
    s.durationSec = ((this.endUs || nowUs()) - this.startUs) / 1e6;
    s.fps = s.durationSec > 0 ? s.framesSent / s.durationSec : 0;
    s.bitrateMbps = s.durationSec > 0 ? (s.bytesSent * 8) / s.durationSec / 1e6 : 0;
    return { ...s };
  }

  private async sendFrame(frame: Frame): Promise<void> {
    const done = new Promise<void>((resolve) => { this.frameSent = resolve; });
    this.outstanding = 1; // held until every packet is queued, so an early callback cannot finish the frame
    this.packetizer.packetize(frame, this.emit);
    this.onSent(null);
    await done;
    this.stats.framesSent++;
    this.options.onFrameSent?.({
      index: frame.index,
      captureTimeUs: frame.captureTimeUs,
      rtpTimestamp: this.packetizer.lastTimestamp,
      packets: this.packetizer.packetsPerFrame,
    });
  }

  private readonly emit = (header: Buffer, payload: Buffer): void => {
    this.outstanding++;
    this.stats.packetsSent++;
    this.stats.bytesSent += header.length + payload.length;
    this.socket.send([header, payload], this.onSent);
  };

  private readonly onSent = (err: Error | null): void => {
    if (err) this.stats.sendErrors++;
    if (--this.outstanding === 0) this.frameSent?.();
  };
}
