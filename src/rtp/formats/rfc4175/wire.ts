/**
 * The RFC 4175 payload header (section 4), after the 12-byte RTP header:
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   Extended Sequence Number    |            Length             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |F|          Line No            |C|           Offset            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Length             |F|          Line No            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |C|           Offset            |                               .
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               .
 *  .                                                               .
 *  .                 Two (partial) lines of video data             .
 *
 * One 6-byte line header per segment (length in bytes, line number, offset in pixels); C set means another line
 * header follows. The data of the segments follows the last line header, in order.
 * https://www.rfc-editor.org/rfc/rfc4175#section-4
 */

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
