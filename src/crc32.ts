import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the one zlib, PNG and Ethernet use.
 *
 * It runs over every received frame (6 MB at 1080p rgb24), so speed matters. Node >= 20.15 ships zlib's
 * native crc32, which is several times faster than anything in JS; older Node 20 releases fall back to
 * a slicing-by-8 implementation in pure JS.
 */

const POLY = 0xedb88320;

/** TABLE[k * 256 + b]: CRC of byte b followed by k zero bytes; lets the loop fold 8 bytes per step. */
const TABLE = buildTable();

function buildTable(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[b] = c;
  }
  for (let b = 0; b < 256; b++) {
    let c = t[b];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + b] = c;
    }
  }
  return t;
}

/**
 * Pure-JS CRC-32 of `data`, continuing from `previous` (the CRC of the bytes before, 0 to start),
 * exactly as zlib's `crc32(data, previous)`.
 */
export function crc32Js(data: Uint8Array, previous = 0): number {
  const t = TABLE;
  let c = ~previous;
  let i = 0;
  const n = data.length;
  const end8 = n - (n & 7);
  while (i < end8) {
    const lo = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + data[i + 4]] ^
      t[512 + data[i + 5]] ^
      t[256 + data[i + 6]] ^
      t[data[i + 7]];
    i += 8;
  }
  while (i < n) c = t[(c ^ data[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

type Crc32 = (data: Uint8Array, previous?: number) => number;

const nativeCrc32 = (zlib as { crc32?: Crc32 }).crc32;

/** CRC-32 of `data`, continuing from `previous`; native zlib when this Node has it, else {@link crc32Js}. */
export const crc32: Crc32 = nativeCrc32 ?? crc32Js;
