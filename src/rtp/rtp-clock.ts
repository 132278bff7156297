/**
 * RTP timestamp for a wall-clock time: ticks of `clockRate` Hz since the epoch plus the stream's random offset,
 * mod 2^32 (RFC 3550 section 5.1). Whole seconds and the remainder are scaled apart, so the product never leaves
 * the range where a double is exact.
 */
export function rtpTimestamp(timeUs: number, clockRate: number, offset: number): number {
  const seconds = Math.floor(timeUs / 1e6);
  const restUs = timeUs - seconds * 1e6;
  return (offset + seconds * clockRate + Math.floor((restUs * clockRate) / 1e6)) >>> 0;
}
