/** RTP fixed header (RFC 3550 section 5.1): what we write, and what we accept from the network. */

export const RTP_VERSION = 2;
export const RTP_HEADER_BYTES = 12;

export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  /** 16-bit sequence number. */
  sequence: number;
  timestamp: number;
  ssrc: number;
}

/**
 * A parsed header plus where the payload lies in the datagram, with CSRCs, the header extension and padding
 * already skipped. Reused across packets by the caller so parsing allocates nothing.
 */
export interface ParsedRtpHeader extends RtpHeaderFields {
  payloadStart: number;
  payloadEnd: number;
}

export function createParsedRtpHeader(): ParsedRtpHeader {
  return { marker: false, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, payloadStart: 0, payloadEnd: 0 };
}

/** Writes a 12-byte header (version 2, no padding, extension or CSRCs) at `offset`. */
export function writeRtpHeader(buf: Buffer, offset: number, h: RtpHeaderFields): void {
  buf[offset] = RTP_VERSION << 6;
  buf[offset + 1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf.writeUInt16BE(h.sequence & 0xffff, offset + 2);
  buf.writeUInt32BE(h.timestamp >>> 0, offset + 4);
  buf.writeUInt32BE(h.ssrc >>> 0, offset + 8);
}

/**
 * Parses the header of an untrusted datagram into `out`. Returns false (leaving `out` in an unspecified state)
 * when the datagram is not RTP version 2 or any length it claims runs past its end.
 */
export function parseRtpHeader(datagram: Buffer, out: ParsedRtpHeader): boolean {
  const len = datagram.length;
  if (len < RTP_HEADER_BYTES) return false;
  const b0 = datagram[0]!;
  if (b0 >>> 6 !== RTP_VERSION) return false;
  const b1 = datagram[1]!;
  let start = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    // Extension: 4-byte header whose second half counts the 32-bit words that follow it.
    if (start + 4 > len) return false;
    start += 4 + datagram.readUInt16BE(start + 2) * 4;
  }
  if (start > len) return false;
  let end = len;
  if (b0 & 0x20) {
    // Padding: the last byte counts padding bytes including itself, so it can be neither 0 nor reach the header.
    const pad = datagram[len - 1]!;
    if (pad === 0 || start + pad > len) return false;
    end = len - pad;
  }
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequence = datagram.readUInt16BE(2);
  out.timestamp = datagram.readUInt32BE(4);
  out.ssrc = datagram.readUInt32BE(8);
  out.payloadStart = start;
  out.payloadEnd = end;
  return true;
}
