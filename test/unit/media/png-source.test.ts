import { expect } from 'chai';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FrameGeometry } from '../../../src/frame.js';
import { rgb24ToUyvy } from '../../../src/pixels.js';
import { createSource } from '../../../src/sources/spec.js';
import { readStamp } from '../../../src/stamp.js';
import { expectUsageError, takeFrames } from './helpers.js';

const IMAGES = 'fixtures/images';
const QVGA: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };

async function decoded(file: string): Promise<Buffer> {
  return sharp(file).flatten().toColourspace('srgb').raw().toBuffer();
}

describe('png source', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'framewire-png-source-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('repeats one file verbatim, unstamped, with increasing indices', async () => {
    const file = join(IMAGES, '01-photo.png');
    const source = await createSource(`png:${file}`, QVGA);
    expect(source.geometry).to.deep.equal(QVGA);
    expect(source.description).to.equal(`png:${file} 160x120 rgb24`);
    const frames = await takeFrames(source, 3);
    const expected = await decoded(file);
    frames.forEach((frame, i) => {
      expect(frame.index).to.equal(i);
      expect(frame.data.equals(expected)).to.equal(true);
      expect(readStamp(frame)).to.equal(undefined);
    });
  });

  it('stamps when asked, keeping the picture below the stamp', async () => {
    const file = join(IMAGES, '01-photo.png');
    const frames = await takeFrames(await createSource(`png:${file}`, { ...QVGA, stamp: true }), 2);
    const expected = await decoded(file);
    frames.forEach((frame, i) => {
      expect(readStamp(frame)).to.deep.equal({ index: i, captureTimeUs: frame.captureTimeUs, intact: true });
      expect(frame.data.subarray(16 * 160 * 3).equals(expected.subarray(16 * 160 * 3))).to.equal(true);
    });
  });

  it('plays a directory in name order, looping, fitting each picture to the size', async () => {
    // Copied in reverse so name order, not creation order, has to decide.
    for (const name of ['03-grey.png', '02-alpha.png', '01-photo.png']) await copyFile(join(IMAGES, name), join(tmp, name));
    await mkdir(join(tmp, 'not-a-png.txt'));
    const frames = await takeFrames(await createSource(`png:${tmp}`, QVGA), 7);
    const photo = await decoded(join(IMAGES, '01-photo.png'));
    expect(frames[0].data.equals(photo)).to.equal(true);
    expect(frames[3].data.equals(photo)).to.equal(true);
    expect(frames[6].data.equals(photo)).to.equal(true);
    // 02-alpha: red stripe, with its transparent square flattened to black.
    const alpha = frames[1].data;
    expect([...alpha.subarray((60 * 160 + 5) * 3, (60 * 160 + 5) * 3 + 3)]).to.deep.equal([200, 40, 40]);
    expect([...alpha.subarray((20 * 160 + 20) * 3, (20 * 160 + 20) * 3 + 3)]).to.deep.equal([0, 0, 0]);
    // 03-grey is 80x60, half black, half white: stretched to 160x120 RGB.
    const grey = frames[2];
    expect(grey.data.length).to.equal(160 * 120 * 3);
    expect([...grey.data.subarray((60 * 160 + 10) * 3, (60 * 160 + 10) * 3 + 3)]).to.deep.equal([0, 0, 0]);
    expect([...grey.data.subarray((60 * 160 + 150) * 3, (60 * 160 + 150) * 3 + 3)]).to.deep.equal([255, 255, 255]);
    expect(frames[5].data.equals(grey.data)).to.equal(true);
  });

  it('resizes to the requested size and converts to uyvy', async () => {
    const file = join(IMAGES, '01-photo.png');
    const [frame] = await takeFrames(await createSource(`png:${file}`, { width: 320, height: 200, format: 'uyvy' }), 1);
    const rgb = await sharp(file).resize(320, 200, { fit: 'fill' }).raw().toBuffer();
    const uyvy = Buffer.alloc(320 * 200 * 2);
    rgb24ToUyvy(rgb, uyvy, 320, 200);
    expect(frame).to.include({ width: 320, height: 200, format: 'uyvy' });
    expect(frame.data.equals(uyvy)).to.equal(true);
  });

  it('rejects a missing path, an empty directory and an unreadable file, naming the path', async () => {
    const missing = join(tmp, 'nope.png');
    await expectUsageError(createSource(`png:${missing}`, QVGA), `source: png:${missing}: no such file or directory`);
    await expectUsageError(createSource(`png:${tmp}`, QVGA), `source: png:${tmp}: directory has no .png files`);
    const bogus = join(tmp, 'bogus.png');
    await writeFile(bogus, 'not a png');
    await expectUsageError(createSource(`png:${bogus}`, QVGA), `source: png:${bogus}: cannot read as PNG`);
  });

  it('rejects a file that is not a PNG whatever its name, naming it and saying what it is', async () => {
    const jpeg = join(tmp, 'photo.png');
    await sharp(join(IMAGES, '01-photo.png')).jpeg().toFile(jpeg);
    await expectUsageError(createSource(`png:${jpeg}`, QVGA), `source: png:${jpeg}: cannot read as PNG (it is a JPEG)`);
    // In a directory of pictures, the one that is not a PNG is named.
    const mixed = join(tmp, 'mixed');
    await mkdir(mixed);
    await copyFile(join(IMAGES, '01-photo.png'), join(mixed, 'a.png'));
    await copyFile(jpeg, join(mixed, 'b.png'));
    await expectUsageError(createSource(`png:${mixed}`, QVGA), `source: png:${join(mixed, 'b.png')}: cannot read as PNG (it is a JPEG)`);
  });

  it('rejects --stamp when the frame is too small to stamp', async () => {
    await expectUsageError(
      createSource(`png:${join(IMAGES, '01-photo.png')}`, { width: 32, height: 24, format: 'rgb24', stamp: true }),
      'stamp: a 32x24 frame is too small to stamp',
    );
  });
});
