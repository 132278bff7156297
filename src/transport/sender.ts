import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { nowUs, type Frame } from '../frame.js';
import { createPacketizer } from '../rtp/index.js';
import type { Packetizer, Wire } from '../rtp/payload-format.js';
import type { Source } from '../sources/source.js';
import type { Endpoint } from './endpoint.js';
import { connectNativeLink } from './native-udp.js';
import { connectSocket, DgramFrameLink, type FrameLink, type SendPath } from './udp.js';

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
  /**
   * Sends the OS refused (e.g. ECONNREFUSED while nobody listens yet); those packets are lost. On the sendmmsg
   * path this is a lower bound: a refusal in the middle of a batch ends the batch without an error code, and the
   * packet goes again in the next one.
   */
  sendErrors: number;
  /** Frames sent after their due time because the previous frame took longer than 1/fps. */
  framesLate: number;
  durationSec: number;
  fps: number;
  bitrateMbps: number;
  ssrc?: number;
  sendPath?: SendPath;
}

/**
 * Paces frames from a source onto the wire. One frame is in flight at a time: the packetizer's headers and the
 * source's pixels may be handed to the kernel without copying, so both stay untouched until the link is done.
 * The link is the native sendmmsg one when the addon is built (and FRAMEWIRE_NATIVE is not 0), else node:dgram.
 */
export class Sender {
  /** Packets and bytes one frame puts on the wire: fixed, like the packetizer's layout. */
  private readonly packetsPerFrame: number;
  private readonly bytesPerFrame: number;
  private startUs = 0;
  private endUs = 0;
  readonly stats: SenderStats = {
    framesSent: 0, packetsSent: 0, bytesSent: 0, sendErrors: 0, framesLate: 0, durationSec: 0, fps: 0, bitrateMbps: 0,
  };

  private constructor(
    private readonly packetizer: Packetizer,
    private readonly link: FrameLink,
    private readonly source: Source,
    private readonly options: SenderOptions,
  ) {
    this.stats.ssrc = packetizer.ssrc;
    this.stats.sendPath = link.path;
    const { headers, payloadOffsets } = packetizer.table;
    this.packetsPerFrame = packetizer.packetsPerFrame;
    this.bytesPerFrame = headers.length + payloadOffsets[this.packetsPerFrame]! - payloadOffsets[0]!;
  }

  /** Validates the wire settings (a usage error names the flag) before opening the socket. */
  static async open(source: Source, options: SenderOptions): Promise<Sender> {
    const packetizer = createPacketizer(options.wire, source.geometry, {
      mtu: options.mtu, ssrc: options.ssrc, initialSequence: options.initialSequence,
    });
    return new Sender(packetizer, await connectLink(options.to), source, options);
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
        // At --fps max nothing else waits on the event loop: without this turn, signals and timers never run.
        await yieldToLoop();
      }
    } finally {
      this.endUs = nowUs();
      await iterator.return?.();
      await this.link.close();
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
    this.stats.sendErrors += await this.link.sendFrame(this.packetizer, frame);
    this.stats.packetsSent += this.packetsPerFrame;
    this.stats.bytesSent += this.bytesPerFrame;
    this.stats.framesSent++;
    this.options.onFrameSent?.({
      index: frame.index,
      captureTimeUs: frame.captureTimeUs,
      rtpTimestamp: this.packetizer.lastTimestamp,
      packets: this.packetsPerFrame,
    });
  }
}

async function connectLink(to: Endpoint): Promise<FrameLink> {
  return connectNativeLink(to) ?? new DgramFrameLink(await connectSocket(to));
}
