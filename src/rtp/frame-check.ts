import type { Frame, FrameGeometry } from '../frame.js';

/**
 * A packetizer's layout is fixed for one geometry, so a frame of another is a bug in whatever fed it, not bad
 * user input: it throws a plain Error.
 */
export function assertFrameFits(frame: Frame, g: FrameGeometry, bytes: number): void {
  if (frame.width !== g.width || frame.height !== g.height || frame.format !== g.format) {
    throw new Error(
      `frame ${frame.width}x${frame.height} ${frame.format} does not match the packetizer's ` +
        `${g.width}x${g.height} ${g.format}`,
    );
  }
  if (frame.data.length !== bytes) {
    throw new Error(`frame data is ${frame.data.length} bytes, expected ${bytes}`);
  }
}
