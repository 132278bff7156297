import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseFfmpegFormats } from '../../../src/devices/ffmpeg-formats.js';
import { formatDeviceList, listVideoDevices, NO_DEVICES } from '../../../src/devices/list.js';
import { explainV4l2Failure } from '../../../src/devices/probe.js';
import { parseV4l2CtlRates } from '../../../src/devices/v4l2-ctl-formats.js';
import { fixture } from './helpers.js';

describe('device discovery', () => {
  describe('parseFfmpegFormats (ffmpeg -f v4l2 -list_formats all)', () => {
    it('reads raw and compressed formats with their discrete sizes, descriptions with colons intact', async () => {
      const formats = parseFfmpegFormats(await fixture('ffmpeg-list-formats-c270.txt'));
      expect(formats.map((f) => [f.name, f.compressed, f.description])).to.deep.equal([
        ['yuyv422', false, 'YUYV 4:2:2'],
        ['mjpeg', true, 'Motion-JPEG'],
      ]);
      expect(formats[0].sizes).to.have.length(19);
      expect(formats[0].sizes[0]).to.deep.equal({ width: 640, height: 480, fps: [] });
      expect(formats[1].sizes.at(-1)).to.deep.equal({ width: 1280, height: 960, fps: [] });
    });

    it('reads stepwise ranges and emulated formats, and leaves out formats ffmpeg cannot decode', async () => {
      const formats = parseFfmpegFormats(await fixture('ffmpeg-list-formats-stepwise.txt'));
      expect(formats.map((f) => f.name)).to.deep.equal(['yuyv422', 'nv12']);
      expect(formats[1].description).to.equal('Y/UV 4:2:0');
      expect(formats[0].range).to.deep.equal({
        minWidth: 48, maxWidth: 1920, stepWidth: 2, minHeight: 32, maxHeight: 1080, stepHeight: 2,
      });
      expect(formats[0].sizes).to.deep.equal([]);
    });

    it('finds nothing in the output for a device that could not be opened', () => {
      const text = '[video4linux2,v4l2 @ 0x55] Cannot open video device /dev/video9: No such file or directory\n' +
        '/dev/video9: No such file or directory\n';
      expect(parseFfmpegFormats(text)).to.deep.equal([]);
    });
  });

  describe('parseV4l2CtlRates (v4l2-ctl --list-formats-ext)', () => {
    it('maps format description and size to frame rates', async () => {
      const rates = parseV4l2CtlRates(await fixture('v4l2-ctl-list-formats-ext-c270.txt'));
      expect([...rates.keys()]).to.deep.equal(['YUYV 4:2:2', 'Motion-JPEG']);
      expect(rates.get('YUYV 4:2:2')!.get('640x480')).to.deep.equal([30, 25, 20, 15, 10, 5]);
      expect(rates.get('YUYV 4:2:2')!.get('1280x720')).to.deep.equal([7.5, 5]);
      expect(rates.get('Motion-JPEG')!.get('1280x720')).to.deep.equal([30, 15]);
    });
  });

  describe('formatDeviceList', () => {
    it('lists each device with formats, sizes and rates, and how to use it', async () => {
      const formats = parseFfmpegFormats(await fixture('ffmpeg-list-formats-c270.txt'));
      formats[1].sizes = formats[1].sizes.slice(0, 2);
      formats[1].sizes[0].fps = [30, 15];
      const text = formatDeviceList([
        { path: '/dev/video0', formats },
        { path: '/dev/video1', formats: [], error: explainV4l2Failure('/dev/video1', 'Not a video capture device.') },
      ]);
      expect(text).to.include('/dev/video0\n  yuyv422 (YUYV 4:2:2): 640x480, 160x120, ');
      expect(text).to.include('  mjpeg (Motion-JPEG, compressed): 640x480 @ 30/15 fps, 160x120\n');
      expect(text).to.include('  use: --source v4l2:/dev/video0\n');
      expect(text).to.include('/dev/video1\n  v4l2: /dev/video1 is not a video capture device');
      expect(text).to.not.include(NO_DEVICES);
      expect(text).to.include('webcam:TEST').and.include('lavfi:testsrc2');
    });

    it('says plainly when there are no devices, and what works without a camera', () => {
      expect(formatDeviceList([])).to.equal(
        'no video devices found (/dev/video*)\n' +
        "Without a camera: --source webcam:TEST (fswebcam's colour bars) or --source lavfi:testsrc2 (ffmpeg's test picture).\n",
      );
    });
  });

  describe('listVideoDevices', () => {
    it('finds no devices in a directory without video nodes', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'framewire-dev-'));
      expect(await listVideoDevices(dir)).to.deep.equal([]);
    });
  });

  describe('explainV4l2Failure', () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['/dev/video9: No such file or directory', undefined,
        /^v4l2: \/dev\/video0 not found — is a camera connected\? `framewire devices` lists devices$/],
      ['[video4linux2,v4l2 @ 0x1] ioctl(VIDIOC_DQBUF): No such device', 'ffmpeg exited with status 1',
        /^v4l2: \/dev\/video0 went away — was the camera unplugged\?/],
      ['Cannot open video device /dev/video0: Permission denied', undefined, /permission denied — add your user to the 'video' group/],
      ['ioctl(VIDIOC_STREAMON): Device or resource busy', undefined, /is busy — another program is using the camera/],
      ['', 'ffmpeg was killed by SIGKILL', /^v4l2: \/dev\/video0 stopped delivering frames \(ffmpeg was killed by SIGKILL\) — was the camera unplugged\?/],
    ];
    for (const [stderr, how, expected] of cases) {
      it(`names the device and the fix for "${stderr || how}"`, () => {
        expect(explainV4l2Failure('/dev/video0', stderr, how)).to.match(expected);
      });
    }
  });
});
