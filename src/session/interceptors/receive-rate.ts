import type { Frame } from '../../frame.js';
import { FrameSpan, perSecond } from '../../frame-rate.js';
import { round } from '../../metrics.js';
import type { ParsedRtpHeader } from '../../rtp/rtp-header.js';
import type { AssemblyInfo } from '../assembler.js';
import type { ReceiveInterceptor } from '../interceptor.js';

export interface RateReport {
  /** Complete frames per second of the receiving window: N frames over N frame periods (src/frame-rate.ts). */
  fps: number;
  /** Bits received per second of the same window, in millions. */
  bitrateMbps: number;
  /**
   * The receiving window, seconds: from the first frame's arrival to the last's (complete or not), plus one frame
   * period; 0 while it cannot be measured (one frame, and no known frame rate).
   */
  durationSec: number;
}

/**
 * What came in per second: its own count of bytes and complete frames over the window the stream's frames arrived
 * in. A frame's time is the arrival of its last packet; the frame period is the stream's nominal one when known
 * (an SDP's frame rate), else measured from the frames.
 */
export class ReceiveRate implements ReceiveInterceptor {
  readonly name = 'rate';
  private readonly span = new FrameSpan();
  private bytes = 0;
  private framesComplete = 0;

  constructor(private readonly periodUs?: number) {}

  onPacketIn(datagram: Buffer, _header: ParsedRtpHeader | undefined, _arrivalUs: number): void {
    this.bytes += datagram.length;
  }

  onFrameIn(_frame: Frame, info: AssemblyInfo): void {
    this.span.add(info.lastArrivalUs);
    if (info.complete) this.framesComplete++;
  }

  report(): RateReport {
    const windowUs = this.span.windowUs(this.periodUs);
    return {
      fps: round(perSecond(this.framesComplete, windowUs), 2),
      bitrateMbps: round(perSecond(this.bytes * 8, windowUs) / 1e6, 3),
      durationSec: round(windowUs / 1e6, 6),
    };
  }
}
