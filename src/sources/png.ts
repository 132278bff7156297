import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { geometryOf, type FrameGeometry } from '../frame.js';
import { loadSharp, type Sharp } from '../load-sharp.js';
import { rgb24ToFormat } from '../pixels.js';
import { assertStampable, crcBelowStamp, writeStamp } from '../stamp.js';
import { SettingError } from '../usage-error.js';
import { GeneratedSource, allocFrameData } from './generated-source.js';
import type { Source, SourceOptions } from './source.js';

interface Picture {
  data: Buffer;
  /** CRC of the bytes below the stamp, cached because the picture never changes. */
  crcBelowStamp: number;
}

/**
 * `png:PATH` source: one PNG repeated forever, or every PNG in a directory in name order, looping.
 * All pictures are decoded and fitted to the requested geometry up front, so frames cost a copy.
 * Frames go out as the file has them unless `options.stamp` asks for a stamp.
 */
export async function createPngSource(path: string, options: SourceOptions): Promise<Source> {
  if (path === '') throw new SettingError('source', 'png needs a path: png:FILE or png:DIR');
  const g = geometryOf(options);
  if (options.stamp) assertStampable(g);
  const files = await listPngs(path);
  const sharp = await loadSharp();
  const pictures = await Promise.all(files.map((file) => loadPicture(sharp, file, g)));
  const count = files.length === 1 ? '' : ` (${files.length} files)`;
  return new GeneratedSource(g, `png:${path}${count} ${g.width}x${g.height} ${g.format}`, (frame) => {
    const picture = pictures[frame.index % pictures.length];
    picture.data.copy(frame.data);
    if (options.stamp) writeStamp(frame, picture.crcBelowStamp);
  });
}

async function listPngs(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new SettingError('source', `png:${path}: no such file or directory`);
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => n.toLowerCase().endsWith('.png')).sort();
  if (names.length === 0) throw new SettingError('source', `png:${path}: directory has no .png files`);
  return names.map((n) => join(path, n));
}

/** Every PNG file starts with these 8 bytes (PNG spec, section 5.2). */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_START = Buffer.from([0xff, 0xd8, 0xff]);

/**
 * Refuses a file that is not a PNG, whatever its name says: sharp would decode a JPEG named .png without a word,
 * and a source that says png should send what the PNG holds, not what a lossy decode made of something else.
 */
async function checkSignature(file: string): Promise<void> {
  const head = Buffer.alloc(PNG_SIGNATURE.length);
  let read: number;
  try {
    const handle = await open(file, 'r');
    try {
      ({ bytesRead: read } = await handle.read(head, 0, head.length, 0));
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new SettingError('source', `png:${file}: cannot read as PNG (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (read === head.length && head.equals(PNG_SIGNATURE)) return;
  const what = head.subarray(0, JPEG_START.length).equals(JPEG_START) ? 'it is a JPEG' : 'it has no PNG signature';
  throw new SettingError('source', `png:${file}: cannot read as PNG (${what})`);
}

async function loadPicture(sharp: Sharp, file: string, g: FrameGeometry): Promise<Picture> {
  await checkSignature(file);
  let rgb: Buffer;
  try {
    const { data, info } = await sharp(file)
      .flatten({ background: '#000000' })
      .resize(g.width, g.height, { fit: 'fill' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== g.width || info.height !== g.height) {
      throw new Error(`decoded to ${info.width}x${info.height} with ${info.channels} channels`);
    }
    rgb = data;
  } catch (err) {
    throw new SettingError('source', `png:${file}: cannot read as PNG (${(err as Error).message})`);
  }
  const data = allocFrameData(g);
  rgb24ToFormat(rgb, g, data);
  return { data, crcBelowStamp: crcBelowStamp({ ...g, data }) };
}
