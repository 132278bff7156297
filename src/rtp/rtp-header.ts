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

/*
 * The fields a stream writer rewrites for each packet of a prebuilt header (RFC 3550 section 5.1):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                           timestamp                           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           synchronization source (SSRC) identifier            |
 *  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 */

/** Writes the low 16 bits of `sequence` into the header at `offset`. */
export function setRtpSequence(buf: Buffer, offset: number, sequence: number): void {
  buf[offset + 2] = (sequence >>> 8) & 0xff;
  buf[offset + 3] = sequence & 0xff;
}

export function setRtpTimestamp(buf: Buffer, offset: number, timestamp: number): void {
  buf[offset + 4] = timestamp >>> 24;
  buf[offset + 5] = (timestamp >>> 16) & 0xff;
  buf[offset + 6] = (timestamp >>> 8) & 0xff;
  buf[offset + 7] = timestamp & 0xff;
}

export function setRtpMarker(buf: Buffer, offset: number, marker: boolean): void {
  buf[offset + 1] = (marker ? 0x80 : 0) | (buf[offset + 1]! & 0x7f);
}

/**
 * RTCP and RTP sharing one port (RFC 5761 section 4): RTCP packet types 192-223 sit where RTP has the marker bit
 * and payload types 64-95, which RTP therefore must not use. True for a version-2 datagram in that range.
 */
export function isRtcp(datagram: Buffer): boolean {
  return datagram.length >= 8 && datagram[0]! >>> 6 === RTP_VERSION && datagram[1]! >= 192 && datagram[1]! <= 223;
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
