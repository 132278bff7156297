/** Wire constants of the RFC 4175 payload header, shared by packetizer and depacketizer. */

/** The high 16 bits of the 32-bit sequence number, right after the RTP header. */
export const EXTENDED_SEQUENCE_BYTES = 2;

/** Length (16), F + line number (1 + 15), C + offset in pixels (1 + 15). */
export const LINE_HEADER_BYTES = 6;

export const FIELD_BIT = 0x8000;
export const CONTINUATION_BIT = 0x8000;
export const LINE_MASK = 0x7fff;
export const OFFSET_MASK = 0x7fff;

/** Video RTP clock rate (RFC 4175 section 6.1: 90 kHz for raw video). */
export const VIDEO_CLOCK_HZ = 90_000;

export const DEFAULT_PAYLOAD_TYPE = 96;

/**
 * 90 kHz ticks for a wall-clock time in microseconds plus a stream's random offset, mod 2^32.
 * Splits the division so the product never leaves the exact range of a double (us * 9 would, today).
 */
export function videoTimestamp(timeUs: number, offset: number): number {
  const hundreds = Math.floor(timeUs / 100);
  const rest = timeUs - hundreds * 100;
  return (offset + hundreds * 9 + Math.floor((rest * 9) / 100)) >>> 0;
}
