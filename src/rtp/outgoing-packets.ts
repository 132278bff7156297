/**
 * One frame's packets as a sender hands them to the kernel in one go (sendmmsg): packet i is
 * `headers[headerOffsets[i], headerOffsets[i + 1])` followed by `data[dataOffsets[i], dataOffsets[i + 1])`.
 * The headers belong to the stream writer and are rewritten for the next frame; data is the frame's own buffer:
 * both must stay untouched until every packet of the frame has been sent (or copied, as the send history does).
 */
export interface OutgoingPackets {
  readonly count: number;
  readonly headers: Buffer;
  readonly headerOffsets: Uint32Array;
  readonly data: Buffer;
  readonly dataOffsets: Uint32Array;
  /** Extended (32-bit) sequence number of packet 0; packet i has firstSequence + i (mod 2^32). RTP only. */
  readonly firstSequence: number;
  /** RTP timestamp all packets of the frame carry. RTP only. */
  readonly timestamp: number;
  /** Bytes of all packets together (UDP payloads). */
  readonly bytes: number;
}

/** Packet i of `packets` joined into one datagram (a copy), for tests, tools and retransmission. */
export function packetBytes(packets: OutgoingPackets, i: number): Buffer {
  const { headers, headerOffsets: h, data, dataOffsets: d } = packets;
  return Buffer.concat([headers.subarray(h[i], h[i + 1]), data.subarray(d[i], d[i + 1])]);
}
