import type { ParsedRtpHeader } from '../../rtp/rtp-header.js';
import { fromRtx } from '../../rtp/rtx.js';
import type { ReceiveContext, ReceiveInterceptor } from '../interceptor.js';

export interface RtxReceiveReport {
  /** RTX packets turned back into the originals they carry and passed on. */
  received: number;
  /** RTX packets too short to carry an original sequence number. */
  malformed: number;
  /** RTX packets that came before any media packet told which stream they repair. */
  unassociated: number;
}

/**
 * RFC 4588 on the receiving side: a packet of the RTX payload type is taken off the stream, turned back into the
 * original it carries (its sequence number, the media payload type and the SSRC of the stream being followed) and
 * passed on to the features after this one and the reader, as if the original had arrived just now.
 */
export class RtxReceive implements ReceiveInterceptor {
  readonly name = 'rtx';
  private context!: ReceiveContext;
  private readonly counts: RtxReceiveReport = { received: 0, malformed: 0, unassociated: 0 };

  constructor(
    private readonly rtxPayloadType: number,
    private readonly mediaPayloadType: number,
  ) {
    if (rtxPayloadType === mediaPayloadType) throw new Error(`the RTX payload type ${rtxPayloadType} is the media's`);
  }

  bind(context: ReceiveContext): void {
    this.context = context;
  }

  onPacketIn(datagram: Buffer, h: ParsedRtpHeader | undefined, arrivalUs: number): boolean {
    if (h === undefined || h.payloadType !== this.rtxPayloadType) return true;
    const ssrc = this.context.ssrc;
    if (ssrc === undefined) {
      this.counts.unassociated++;
      return false;
    }
    const original = fromRtx(datagram, h, { payloadType: this.mediaPayloadType, ssrc });
    if (!original) {
      this.counts.malformed++;
      return false;
    }
    this.counts.received++;
    this.context.inject(original, arrivalUs);
    return false;
  }

  report(): RtxReceiveReport {
    return { ...this.counts };
  }
}
