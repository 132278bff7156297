/**
 * The validity check of RFC 3550 appendix A.2 on an untrusted datagram, cheap enough to run on every one before a
 * parser allocates anything: version 2 in every packet, an RTCP packet type (192..223, RFC 5761 section 4), and
 * length fields that chain to exactly the end of the datagram, with padding only in the last packet.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |V=2|P|   RC    |      PT       |             length            |  length: 32-bit words - 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A compound packet from an RFC 3550 sender begins with an SR or RR; RFC 5506 lets AVPF feedback go alone, so the
 * first packet may also be a feedback packet (RTPFB 205, PSFB 206). Returns how many packets, 0 when invalid.
 */
export function rtcpPacketCount(datagram: Buffer): number {
  const end = datagram.length;
  if (end < 4 || end % 4 !== 0) return 0;
  const first = datagram[1]!;
  if (first !== 200 && first !== 201 && first !== 205 && first !== 206) return 0;
  let at = 0;
  let count = 0;
  while (at < end) {
    if (at + 4 > end) return 0;
    const b0 = datagram[at]!;
    const pt = datagram[at + 1]!;
    if (b0 >>> 6 !== 2 || pt < 192 || pt > 223) return 0;
    const next = at + (((datagram[at + 2]! << 8) | datagram[at + 3]!) + 1) * 4;
    if (next > end) return 0;
    if (b0 & 0x20 && next !== end) return 0; // padding only in the last packet
    at = next;
    count++;
  }
  return count;
}
