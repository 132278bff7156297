import { validateGeometry } from '../frame.js';
import { SettingError } from '../usage-error.js';
import { PATTERN_NAMES, createPatternSource } from './pattern.js';
import { createPngSource } from './png.js';
import { createWebcamSource } from './webcam.js';
import { createV4l2Source } from './v4l2.js';
import { createLavfiSource } from './lavfi.js';
import type { Source, SourceOptions } from './source.js';

export interface SourceKind {
  /** How the argument after `kind:` is written, for help text. */
  readonly usage: string;
  readonly summary: string;
  /** `arg` is what follows `kind:`, '' when nothing does; the kind validates it. */
  create(arg: string, options: SourceOptions): Promise<Source>;
}

/** Every source kind by name; adding a kind is adding an entry. */
export const SOURCE_KINDS: Readonly<Record<string, SourceKind>> = {
  pattern: {
    usage: `pattern:NAME (${PATTERN_NAMES.join(', ')})`,
    summary: 'generated test pictures, stamped',
    create: createPatternSource,
  },
  png: {
    usage: 'png:PATH',
    summary: 'a PNG file, or a directory of PNGs in name order, looping',
    create: createPngSource,
  },
  webcam: {
    usage: 'webcam[:DEVICE] (default /dev/video0; webcam:TEST is fswebcam\'s colour bars)',
    summary: 'a camera through fswebcam, one capture per frame (slow)',
    create: createWebcamSource,
  },
  v4l2: {
    usage: 'v4l2[:DEVICE] (default /dev/video0)',
    summary: 'a camera streamed by one ffmpeg process',
    create: createV4l2Source,
  },
  lavfi: {
    usage: 'lavfi:GRAPH (e.g. testsrc2, smptebars)',
    summary: "ffmpeg's synthetic video, streamed like a camera",
    create: createLavfiSource,
  },
};

/** Builds a source from a `kind:arg` spec (the `--source` flag), validating the requested geometry. */
export async function createSource(spec: string, options: SourceOptions): Promise<Source> {
  validateGeometry(options, 'geometry');
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  const kind = Object.hasOwn(SOURCE_KINDS, name) ? SOURCE_KINDS[name] : undefined;
  if (!kind) {
    throw new SettingError('source', `unknown source kind '${name}' (known: ${Object.keys(SOURCE_KINDS).join(', ')})`);
  }
  return kind.create(arg, options);
}
