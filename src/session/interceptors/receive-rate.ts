import type { Frame } from '../../frame.js';
import { round } from '../../metrics.js';
import type { ParsedRtpHeader } from '../../rtp/rtp-header.js';
import type { AssemblyInfo } from '../assembler.js';
import type { ReceiveInterceptor } from '../interceptor.js';

export interface RateReport {
  /** Complete frames per second between the first and the last packet. */
  fps: number;
  bitrateMbps: number;
  /** From the first packet to the last, seconds. */
  durationSec: number;
}

/** What came in per second: its own count of bytes and complete frames over the span the packets arrived in. */
export class ReceiveRate implements ReceiveInterceptor {
  readonly name = 'rate';
  firstPacketUs = 0;
  lastPacketUs = 0;
  private bytes = 0;
  private framesComplete = 0;

  onPacketIn(datagram: Buffer, _header: ParsedRtpHeader | undefined, arrivalUs: number): void {
    if (this.firstPacketUs === 0) this.firstPacketUs = arrivalUs;
    this.lastPacketUs = arrivalUs;
    this.bytes += datagram.length;
  }

  onFrameIn(_frame: Frame, info: AssemblyInfo): void {
    if (info.complete) this.framesComplete++;
  }

  report(): RateReport {
    const durationSec = this.firstPacketUs ? (this.lastPacketUs - this.firstPacketUs) / 1e6 : 0;
    return {
      fps: durationSec > 0 ? round(this.framesComplete / durationSec, 2) : 0,
      bitrateMbps: durationSec > 0 ? round((this.bytes * 8) / durationSec / 1e6, 3) : 0,
      durationSec: round(durationSec, 3),
    };
  }
}
