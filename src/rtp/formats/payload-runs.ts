/**
 * Where a packet's bytes go in its frame, as runs: run k copies `length[k]` bytes from `packetOffset[k]` of the
 * datagram to `frameOffset[k]` of the frame. One preallocated set serves every packet, so placing allocates nothing.
 */
export class PayloadRuns {
  /** A 64 KB datagram of 6-byte RFC 4175 line headers and 3-byte pixel groups holds fewer runs than this. */
  static readonly CAPACITY = 8192;
  count = 0;
  readonly frameOffset = new Int32Array(PayloadRuns.CAPACITY);
  readonly packetOffset = new Int32Array(PayloadRuns.CAPACITY);
  readonly length = new Int32Array(PayloadRuns.CAPACITY);

  /** Adds a run; false when there is no room (the payload claims more runs than any real one has). */
  add(frameOffset: number, packetOffset: number, length: number): boolean {
    const k = this.count;
    if (k === PayloadRuns.CAPACITY) return false;
    this.frameOffset[k] = frameOffset;
    this.packetOffset[k] = packetOffset;
    this.length[k] = length;
    this.count = k + 1;
    return true;
  }
}
