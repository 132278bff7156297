import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { rgb24ToUyvy, uyvyToRgb24 } from '../../src/pixels.js';
import { createSdlSink } from '../../src/sinks/sdl.js';
import type { ReceiverReport } from '../../src/transport/receiver.js';
import { expectUsageError } from '../unit/media/helpers.js';
import { startFramewire } from '../support/cli.js';
import { freeUdpPort } from '../support/ports.js';
import { requestWindowClose } from './x11-close.js';
import { Xvfb } from './xvfb.js';

const WIDTH = 160;
const HEIGHT = 120;

/** A picture where every pixel differs from its neighbours, so a shifted, scaled or blended window shows up. */
function testPicture(): Buffer {
  const rgb = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 3;
      rgb[i] = (x * 7 + y * 3) & 0xff;
      rgb[i + 1] = (y * 11 + (x >> 2) * 5) & 0xff;
      rgb[i + 2] = (x * y + 40) & 0xff;
    }
  }
  return rgb;
}

function upscale(rgb: Buffer, width: number, height: number, scale: number): Buffer {
  const out = Buffer.alloc(width * scale * height * scale * 3);
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      rgb.copy(out, (y * width * scale + x) * 3, ((Math.floor(y / scale) * width) + Math.floor(x / scale)) * 3, ((Math.floor(y / scale) * width) + Math.floor(x / scale)) * 3 + 3);
    }
  }
  return out;
}

/** How many bytes differ, and the largest difference. */
function compare(a: Buffer, b: Buffer): { differing: number; maxDiff: number } {
  let differing = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > 0) differing++;
    if (d > maxDiff) maxDiff = d;
  }
  return { differing, maxDiff };
}

describe('sdl sink (under Xvfb)', function () {
  this.timeout(60_000);
  let xvfb: Xvfb;
  let dir: string;
  let picturePng: string;
  const picture = testPicture();

  before(async () => {
    xvfb = await Xvfb.start();
    dir = await mkdtemp(join(tmpdir(), 'framewire-sdl-'));
    picturePng = join(dir, 'picture.png');
    await sharp(picture, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png().toFile(picturePng);
  });

  after(async () => {
    await xvfb?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * Runs `receive --sink SINK` and a looping png sender into it until the window shows the stream, hands the
   * window to `inspect`, then closes the window as a window manager would and returns the receiver's report.
   */
  async function showAndClose(
    sink: string,
    format: 'rgb24' | 'uyvy',
    inspect: (windowId: number) => Promise<void>,
  ): Promise<{ code: number | null; stderr: string; report: ReceiverReport }> {
    const port = await freeUdpPort();
    const reportFile = join(dir, `report-${port}.json`);
    const common = ['--size', `${WIDTH}x${HEIGHT}`, '--format', format];
    const receiver = startFramewire(
      ['receive', '--listen', `127.0.0.1:${port}`, ...common, '--sink', sink, '--report', reportFile],
      xvfb.env,
    );
    const sender = startFramewire(
      ['send', '--to', `127.0.0.1:${port}`, ...common, '--source', `png:${picturePng}`, '--fps', '20', '--duration', '50'],
    );
    try {
      const id = await xvfb.waitForWindow('^framewire');
      // The title names the geometry only once a frame arrived; a second title update means one was rendered.
      await xvfb.waitForTitle(id, new RegExp(`${WIDTH}x${HEIGHT} ${format} \\| [1-9]\\d* fps`));
      await inspect(id);
      await requestWindowClose(xvfb.display, id);
      const { code, stderr } = await receiver.result;
      const report = JSON.parse(await readFile(reportFile, 'utf8')) as ReceiverReport;
      return { code, stderr, report };
    } finally {
      receiver.child.kill();
      sender.child.kill();
      await sender.result;
    }
  }

  it('shows an rgb24 frame pixel for pixel at scale=1, and closing the window ends the receiver with its report', async () => {
    const { code, stderr, report } = await showAndClose('sdl', 'rgb24', async (id) => {
      const shot = await xvfb.screenshot(id);
      expect([shot.width, shot.height]).to.deep.equal([WIDTH, HEIGHT]);
      expect(compare(shot.data, picture)).to.deep.equal({ differing: 0, maxDiff: 0 });
    });
    expect(code, stderr).to.equal(0);
    expect(report.endReason).to.equal('stopped');
    expect(report.framesComplete).to.be.greaterThan(0);
    expect(report.sinkDrops).to.have.property('sdl');
  });

  it('converts uyvy to RGB and scales by whole pixels with scale=2', async () => {
    const uyvy = Buffer.alloc(WIDTH * HEIGHT * 2);
    rgb24ToUyvy(picture, uyvy, WIDTH, HEIGHT);
    const expected = Buffer.alloc(WIDTH * HEIGHT * 3);
    uyvyToRgb24(uyvy, expected, WIDTH, HEIGHT);
    const { code, stderr } = await showAndClose('sdl:scale=2', 'uyvy', async (id) => {
      const shot = await xvfb.screenshot(id);
      expect([shot.width, shot.height]).to.deep.equal([WIDTH * 2, HEIGHT * 2]);
      expect(compare(shot.data, upscale(expected, WIDTH, HEIGHT, 2))).to.deep.equal({ differing: 0, maxDiff: 0 });
    });
    expect(code, stderr).to.equal(0);
  });

  it('counts frames it could not show when they come faster than it renders, and closes when the receiver ends', async () => {
    const port = await freeUdpPort();
    const reportFile = join(dir, 'fast.json');
    const receiver = startFramewire(
      ['receive', '--listen', `127.0.0.1:${port}`, '--sink', 'sdl', '--frames', '600', '--timeout', '20', '--report', reportFile],
      xvfb.env,
    );
    await xvfb.waitForWindow('^framewire');
    // A frame count rather than a duration: at --fps max the sender only stops on its own.
    const sender = startFramewire(['send', '--to', `127.0.0.1:${port}`, '--source', 'pattern:ball', '--fps', 'max', '--frames', '3000']);
    const { code, stderr } = await receiver.result;
    await sender.result;
    expect(code, stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as ReceiverReport;
    expect(report.endReason).to.equal('frames');
    // 600 frames at well over 60 fps cannot all be shown at the display's 60 Hz; none may vanish uncounted.
    expect(report.sinkDrops.sdl).to.be.greaterThan(0);
    expect(await xvfb.findWindows('^framewire')).to.deep.equal([]);
  });

  it('without an X display, fails with exit 1 and says how to get one', async () => {
    const port = await freeUdpPort();
    const { code, stderr } = await startFramewire(
      ['receive', '--listen', `127.0.0.1:${port}`, '--sink', 'sdl', '--timeout', '1'],
      { DISPLAY: '', WAYLAND_DISPLAY: '' },
    ).result;
    expect(code).to.equal(1);
    expect(stderr).to.match(/sdl: cannot open a window .*xvfb-run/);
  });

  it('rejects bad options with a usage error naming the option', async () => {
    await expectUsageError(createSdlSink(['scale=0']), 'sdl scale=0 must be a whole number from 1 to 16');
    await expectUsageError(createSdlSink(['scale=x']), 'sdl scale=x');
    await expectUsageError(createSdlSink(['zoom=2']), "sdl option 'zoom=2' is unknown");
  });
});
