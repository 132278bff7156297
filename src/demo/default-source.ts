import { existsSync } from 'node:fs';
import { SOURCE_KINDS } from '../sources/spec.js';

const DEMO_CAMERA = '/dev/video0';
const DEMO_FALLBACK_SOURCE = 'pattern:ball';

/**
 * The demo shows a camera when the machine has one and framewire has a source that streams it, else the
 * bouncing ball (which also carries stamps, so latency shows in the title).
 */
export function defaultDemoSource(cameraPath = DEMO_CAMERA): string {
  return Object.hasOwn(SOURCE_KINDS, 'v4l2') && existsSync(cameraPath) ? `v4l2:${cameraPath}` : DEMO_FALLBACK_SOURCE;
}
