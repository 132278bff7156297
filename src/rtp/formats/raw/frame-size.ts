import { frameBytes, type FrameGeometry } from '../../../frame.js';
import { SettingError } from '../../../usage-error.js';

/**
 * The bytes of one raw frame, which is one datagram: a frame larger than `maxDatagramBytes` cannot go on this wire
 * at all, and sender and receiver refuse it alike (a SettingError naming `wire`).
 */
export function rawFrameBytes(geometry: FrameGeometry, maxDatagramBytes: number): number {
  const bytes = frameBytes(geometry);
  if (bytes > maxDatagramBytes) {
    const { width, height, format } = geometry;
    throw new SettingError(
      'wire',
      `raw carries a frame as one datagram, and a ${width}x${height} ${format} frame is ${bytes} bytes, more than ` +
        `the ${maxDatagramBytes} one UDP datagram can carry (use rtp)`,
    );
  }
  return bytes;
}
