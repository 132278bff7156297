/**
 * Reusable copies of datagrams that must outlive the caller's buffer (held for a delay, or corrupted).
 * Buffers are kept per exact length: a video stream's packets are nearly all one size, so a released buffer
 * is almost always the right one for the next packet, and no slicing (no view object) is needed.
 */
const MAX_FREE_PER_LENGTH = 1024;

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();

  copy(source: Buffer): Buffer {
    const buffer = this.free.get(source.length)?.pop() ?? Buffer.allocUnsafeSlow(source.length);
    source.copy(buffer);
    return buffer;
  }

  release(buffer: Buffer): void {
    let list = this.free.get(buffer.length);
    if (!list) this.free.set(buffer.length, (list = []));
    if (list.length < MAX_FREE_PER_LENGTH) list.push(buffer);
  }
}
