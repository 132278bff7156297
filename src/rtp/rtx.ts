import { createParsedRtpHeader, parseRtpHeader, setRtpSequence, type ParsedRtpHeader } from './rtp-header.js';

/*
 * RFC 4588 retransmission packets, session-multiplexed: the RTX stream has its own SSRC, sequence numbers and payload
 * type; its payload is the original sequence number (OSN) followed by the original payload. Timestamp and marker are
 * the original's (section 4).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         RTP Header                            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            OSN                |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
 *  |                  Original RTP Packet Payload                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

export const OSN_BYTES = 2;
/** Dynamic payload type of the RTX stream when none is configured (SDP: a=rtpmap:97 rtx/90000, a=fmtp:97 apt=96). */
export const DEFAULT_RTX_PAYLOAD_TYPE = 97;

const scratch = createParsedRtpHeader();

/** The RTX packet for `original` (a whole RTP packet); undefined when `original` is not RTP. */
export function toRtx(original: Buffer, rtx: { payloadType: number; ssrc: number; sequence: number }): Buffer | undefined {
  if (!parseRtpHeader(original, scratch)) return undefined;
  const { payloadStart, payloadEnd } = scratch;
  const out = Buffer.allocUnsafe(payloadStart + OSN_BYTES + payloadEnd - payloadStart);
  original.copy(out, 0, 0, payloadStart);
  out[0] = out[0]! & ~0x20; // padding is the original's, and is not carried
  out[1] = (original[1]! & 0x80) | (rtx.payloadType & 0x7f);
  setRtpSequence(out, 0, rtx.sequence);
  out.writeUInt32BE(rtx.ssrc >>> 0, 8);
  out.writeUInt16BE(scratch.sequence, payloadStart);
  original.copy(out, payloadStart + OSN_BYTES, payloadStart, payloadEnd);
  return out;
}

/**
 * The original packet an RTX packet carries, as the media stream `ssrc` with payload type `payloadType` sent it;
 * undefined when the RTX payload is too short to hold an OSN.
 */
export function fromRtx(rtx: Buffer, h: ParsedRtpHeader, original: { payloadType: number; ssrc: number }): Buffer | undefined {
  if (h.payloadEnd - h.payloadStart < OSN_BYTES) return undefined;
  const out = Buffer.allocUnsafe(h.payloadStart + h.payloadEnd - h.payloadStart - OSN_BYTES);
  rtx.copy(out, 0, 0, h.payloadStart);
  out[0] = out[0]! & ~0x20;
  out[1] = (rtx[1]! & 0x80) | (original.payloadType & 0x7f);
  setRtpSequence(out, 0, rtx.readUInt16BE(h.payloadStart));
  out.writeUInt32BE(original.ssrc >>> 0, 8);
  rtx.copy(out, h.payloadStart, h.payloadStart + OSN_BYTES, h.payloadEnd);
  return out;
}
