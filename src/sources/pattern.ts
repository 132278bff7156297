import type { Frame, FrameGeometry } from '../frame.js';
import { frameBytes, geometryOf, lineBytes, pixelGroup } from '../frame.js';
import { rgb24Bytes, rgb24ToFormat } from '../pixels.js';
import { crcBelowStamp, stampRows, writeStamp } from '../stamp.js';
import { SettingError } from '../usage-error.js';
import type { FrameProducer } from './generated-source.js';
import { GeneratedSource, allocFrameData } from './generated-source.js';
import type { Rgb } from './patterns.js';
import {
  BALL_COLOUR,
  ballSpans,
  drawBallBackground,
  drawCheckers,
  drawGradient,
  drawNoise,
  drawSmpte,
  drawSolid,
} from './patterns.js';
import type { Source, SourceOptions } from './source.js';

/** Pattern names as written after `pattern:`, for help text. */
export const PATTERN_NAMES = ['smpte', 'gradient', 'checkers', 'ball', 'noise', 'solid:RRGGBB'] as const;

type StaticDraw = (rgb: Uint8Array, width: number, height: number) => void;

const STATIC_PATTERNS: Record<string, StaticDraw> = {
  smpte: drawSmpte,
  gradient: drawGradient,
  checkers: drawCheckers,
};

/**
 * `pattern:NAME` source: endless stamped test pictures (unstamped when the frame is too small for a
 * stamp). Static pictures are drawn once, with the CRC below the stamp cached, and copied per frame.
 */
export async function createPatternSource(arg: string, options: SourceOptions): Promise<Source> {
  if (arg === '') throw new SettingError('source', `pattern needs a name: pattern:NAME (${PATTERN_NAMES.join(', ')})`);
  const g = geometryOf(options);
  const description = `pattern:${arg} ${g.width}x${g.height} ${g.format}`;
  return new GeneratedSource(g, description, producerFor(arg, g, options.seed ?? 0));
}

function producerFor(arg: string, g: FrameGeometry, seed: number): FrameProducer {
  const draw = Object.hasOwn(STATIC_PATTERNS, arg) ? STATIC_PATTERNS[arg] : undefined;
  if (draw) return staticProducer(g, (rgb) => draw(rgb, g.width, g.height));
  if (arg.startsWith('solid:')) {
    const colour = parseColour(arg.slice('solid:'.length));
    return staticProducer(g, (rgb) => drawSolid(rgb, g.width, g.height, colour));
  }
  if (arg === 'ball') return ballProducer(g);
  if (arg === 'noise') return noiseProducer(g, seed);
  throw new SettingError('source', `unknown pattern '${arg}' (known: ${PATTERN_NAMES.join(', ')})`);
}

function parseColour(hex: string): Rgb {
  if (!/^[0-9a-fA-F]{6}$/.test(hex)) {
    throw new SettingError('source', `pattern:solid colour '${hex}' is not six hex digits like ff8000`);
  }
  const v = parseInt(hex, 16);
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

function stampIfRoom(frame: Frame, rows: number, pixelCrc?: number): void {
  if (rows > 0) writeStamp(frame, pixelCrc);
}

function staticProducer(g: FrameGeometry, draw: (rgb: Uint8Array) => void): FrameProducer {
  const rgb = new Uint8Array(rgb24Bytes(g));
  draw(rgb);
  const picture = allocFrameData(g);
  rgb24ToFormat(rgb, g, picture);
  const rows = stampRows(g);
  const pixelCrc = crcBelowStamp({ ...g, data: picture });
  return (frame) => {
    picture.copy(frame.data);
    stampIfRoom(frame, rows, pixelCrc);
  };
}

/** Draws straight into the frame's format: a converted background copy, then the ball's runs. */
function ballProducer(g: FrameGeometry): FrameProducer {
  const rgb = new Uint8Array(rgb24Bytes(g));
  drawBallBackground(rgb, g.width, g.height);
  const background = allocFrameData(g);
  rgb24ToFormat(rgb, g, background);
  const { bytes, pixels } = pixelGroup(g.format);
  // The ball colour as one pixel group (for uyvy, a pair of ball pixels), for Buffer.fill to repeat.
  const colour = Buffer.alloc(bytes);
  rgb24ToFormat(Buffer.from([...BALL_COLOUR, ...BALL_COLOUR]), { width: pixels, height: 1, format: g.format }, colour);
  const stride = lineBytes(g);
  const rows = stampRows(g);
  return (frame) => {
    background.copy(frame.data);
    ballSpans(frame.index, g.width, g.height, (y, x0, x1) => {
      const row = y * stride;
      frame.data.fill(colour, row + Math.floor(x0 / pixels) * bytes, row + Math.ceil(x1 / pixels) * bytes);
    });
    stampIfRoom(frame, rows);
  };
}

function noiseProducer(g: FrameGeometry, seed: number): FrameProducer {
  const rows = stampRows(g);
  const bytes = frameBytes(g);
  const wholeWords = bytes >> 2;
  let views: { data: Buffer; words: Uint32Array; tail: Uint8Array } | undefined;
  return (frame) => {
    // The frame buffer is the same every call; make the word view once.
    if (views?.data !== frame.data) {
      const { buffer, byteOffset } = frame.data;
      views = {
        data: frame.data,
        words: new Uint32Array(buffer, byteOffset, wholeWords),
        tail: frame.data.subarray(wholeWords * 4, bytes),
      };
    }
    drawNoise(views.words, views.tail, seed, frame.index);
    stampIfRoom(frame, rows);
  };
}
