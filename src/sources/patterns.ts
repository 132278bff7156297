/**
 * Test pictures drawn in rgb24 (3 bytes a pixel, rows packed). Pure drawing: sources decide when to
 * draw, convert and stamp.
 */

export type Rgb = readonly [number, number, number];

function fillRect(rgb: Uint8Array, width: number, x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
  for (let y = y0; y < y1; y++) {
    for (let x = x0, at = (y * width + x0) * 3; x < x1; x++, at += 3) {
      rgb[at] = c[0];
      rgb[at + 1] = c[1];
      rgb[at + 2] = c[2];
    }
  }
}

export function drawSolid(rgb: Uint8Array, width: number, height: number, c: Rgb): void {
  fillRect(rgb, width, 0, 0, width, height, c);
}

// SMPTE EG 1-like bars at 75%: seven bars, a strip of reversed blue bars, then -I / white / +Q / black / PLUGE.
const BARS: Rgb[] = [
  [191, 191, 191], [191, 191, 0], [0, 191, 191], [0, 191, 0], [191, 0, 191], [191, 0, 0], [0, 0, 191],
];
const REVERSE: Rgb[] = [
  [0, 0, 191], [19, 19, 19], [191, 0, 191], [19, 19, 19], [0, 191, 191], [19, 19, 19], [191, 191, 191],
];
// -I, white, +Q, black, then PLUGE (below black, black, above black) in one seventh, then black.
const BOTTOM: Rgb[] = [
  [0, 33, 76], [255, 255, 255], [50, 0, 106], [19, 19, 19], [9, 9, 9], [19, 19, 19], [29, 29, 29], [19, 19, 19],
];
const BOTTOM_EDGES = [0, 5 / 28, 10 / 28, 15 / 28, 5 / 7, 5 / 7 + 1 / 21, 5 / 7 + 2 / 21, 6 / 7, 1];

/** Edges fall on even columns so uyvy pixel pairs never straddle two colours. */
function evenColumn(width: number, fraction: number): number {
  return Math.min(width, 2 * Math.round((width * fraction) / 2));
}

export function drawSmpte(rgb: Uint8Array, width: number, height: number): void {
  const topEnd = Math.round((height * 2) / 3);
  const stripEnd = Math.round((height * 3) / 4);
  for (let i = 0; i < 7; i++) {
    const x0 = evenColumn(width, i / 7);
    const x1 = evenColumn(width, (i + 1) / 7);
    fillRect(rgb, width, x0, 0, x1, topEnd, BARS[i]);
    fillRect(rgb, width, x0, topEnd, x1, stripEnd, REVERSE[i]);
  }
  for (let i = 0; i < BOTTOM.length; i++) {
    fillRect(rgb, width, evenColumn(width, BOTTOM_EDGES[i]), stripEnd, evenColumn(width, BOTTOM_EDGES[i + 1]), height, BOTTOM[i]);
  }
}

/** Red rises left to right, green top to bottom, blue along the other diagonal. */
export function drawGradient(rgb: Uint8Array, width: number, height: number): void {
  const wx = Math.max(1, width - 1);
  const hy = Math.max(1, height - 1);
  for (let y = 0, at = 0; y < height; y++) {
    const g = Math.round((255 * y) / hy);
    for (let x = 0; x < width; x++, at += 3) {
      rgb[at] = Math.round((255 * x) / wx);
      rgb[at + 1] = g;
      rgb[at + 2] = Math.round((255 * (wx - x + y)) / (wx + hy));
    }
  }
}

/** Black and white squares, 16 across. */
export function drawCheckers(rgb: Uint8Array, width: number, height: number): void {
  const square = Math.max(1, Math.floor(width / 16));
  for (let y = 0, at = 0; y < height; y++) {
    const row = Math.floor(y / square);
    for (let x = 0; x < width; x++, at += 3) {
      const v = (Math.floor(x / square) + row) & 1 ? 255 : 0;
      rgb[at] = rgb[at + 1] = rgb[at + 2] = v;
    }
  }
}

const BALL_BACKGROUND: Rgb = [16, 24, 64];
export const BALL_COLOUR: Rgb = [255, 160, 0];
const BALL_STEP_X = 3;
const BALL_STEP_Y = 2;

function ballRadius(width: number, height: number): number {
  return Math.max(2, Math.floor(Math.min(width, height) / 8));
}

/** Position along [0, span] after `steps` unit moves, bouncing off both ends (a triangle wave). */
function bounce(steps: number, span: number): number {
  if (span <= 0) return 0;
  const t = steps % (2 * span);
  return t <= span ? t : 2 * span - t;
}

/** Centre of the ball in frame `index`: it moves a few pixels a frame and bounces off the edges. */
export function ballCentre(index: number, width: number, height: number): { x: number; y: number } {
  const r = ballRadius(width, height);
  return {
    x: r + bounce(index * BALL_STEP_X, width - 1 - 2 * r),
    y: r + bounce(index * BALL_STEP_Y, height - 1 - 2 * r),
  };
}

export function drawBallBackground(rgb: Uint8Array, width: number, height: number): void {
  drawSolid(rgb, width, height, BALL_BACKGROUND);
}

/**
 * The ball in frame `index` as horizontal runs: `span(y, x0, x1)` for each of its rows, x1 exclusive.
 * Callers fill the runs in whatever pixel format they hold, over a fresh copy of the background.
 */
export function ballSpans(index: number, width: number, height: number, span: (y: number, x0: number, x1: number) => void): void {
  const r = ballRadius(width, height);
  const { x: cx, y: cy } = ballCentre(index, width, height);
  for (let dy = -r; dy <= r; dy++) {
    const y = cy + dy;
    if (y < 0 || y >= height) continue;
    const half = Math.floor(Math.sqrt(r * r - dy * dy));
    span(y, Math.max(0, cx - half), Math.min(width, cx + half + 1));
  }
}

/** 32-bit integer hash (lowbias32): spreads a counter into well-mixed bits. */
function mix32(v: number): number {
  v ^= v >>> 16;
  v = Math.imul(v, 0x7feb352d);
  v ^= v >>> 15;
  v = Math.imul(v, 0x846ca68b);
  v ^= v >>> 16;
  return v >>> 0;
}

/**
 * Fills `words` (and the `tail` bytes past the last whole word) with noise that depends only on
 * (seed, index): a xorshift32 stream started from a hash of both, so any frame can be regenerated.
 */
export function drawNoise(words: Uint32Array, tail: Uint8Array, seed: number, index: number): void {
  let s = mix32(mix32(seed >>> 0) ^ index) || 1; // xorshift must not start at 0
  for (let i = 0; i < words.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    words[i] = s;
  }
  for (let i = 0; i < tail.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    tail[i] = s;
  }
}
