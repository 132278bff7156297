import { expect } from 'chai';
import { parseFfmpegFormats } from '../../../src/devices/ffmpeg-formats.js';
import { chooseV4l2Input, createV4l2Source, v4l2InputArgs } from '../../../src/sources/v4l2.js';
import { fixture, iterationError, withPath } from './helpers.js';

// No camera exists here or on CI: the device paths below are real paths that are not there, and the
// format choice is checked against captured ffmpeg listings of real cameras.
describe('v4l2 source', () => {
  it('ends with a message naming a missing device and the fix', async () => {
    const source = await createV4l2Source('/dev/video9', { width: 320, height: 240, format: 'rgb24' });
    expect(source.description).to.equal('v4l2:/dev/video9 320x240 rgb24');
    const err = await iterationError(source);
    expect(err.message).to.equal('v4l2: /dev/video9 not found — is a camera connected? `framewire devices` lists devices');
  });

  it('defaults to /dev/video0', async () => {
    const source = await createV4l2Source('', { width: 160, height: 120, format: 'uyvy', fps: 30 });
    expect(source.description).to.equal('v4l2:/dev/video0 160x120 uyvy 30 fps');
  });

  it('says ffmpeg is missing and how to install it', async () => {
    const source = await createV4l2Source('/dev/video0', { width: 320, height: 240, format: 'rgb24' });
    const err = await withPath('/nonexistent', () => iterationError(source));
    expect(err.message).to.equal('v4l2: /dev/video0: ffmpeg not found — apt-get install ffmpeg');
  });

  describe('chooseV4l2Input', () => {
    it('takes YUYV at a small size the camera offers', async () => {
      const formats = parseFfmpegFormats(await fixture('ffmpeg-list-formats-c270.txt'));
      expect(chooseV4l2Input(formats, { width: 320, height: 240 })).to.deep.equal({ inputFormat: 'yuyv422', width: 320, height: 240 });
    });

    it('takes MJPEG at a large size, where YUYV would starve USB 2.0', async () => {
      const formats = parseFfmpegFormats(await fixture('ffmpeg-list-formats-c270.txt'));
      expect(chooseV4l2Input(formats, { width: 1280, height: 720 })).to.deep.equal({ inputFormat: 'mjpeg', width: 1280, height: 720 });
    });

    it('captures the smallest size covering one the camera lacks, and the largest when none covers it', async () => {
      const formats = parseFfmpegFormats(await fixture('ffmpeg-list-formats-c270.txt'));
      expect(chooseV4l2Input(formats, { width: 400, height: 300 })).to.deep.equal({ inputFormat: 'yuyv422', width: 640, height: 360 });
      expect(chooseV4l2Input(formats, { width: 1920, height: 1080 })).to.deep.equal({ inputFormat: 'mjpeg', width: 1280, height: 960 });
    });

    it('snaps to a stepwise range', async () => {
      const formats = parseFfmpegFormats(await fixture('ffmpeg-list-formats-stepwise.txt'));
      expect(chooseV4l2Input(formats, { width: 321, height: 240 })).to.deep.equal({ inputFormat: 'yuyv422', width: 322, height: 240 });
      expect(chooseV4l2Input(formats, { width: 4000, height: 16 })).to.deep.equal({ inputFormat: 'yuyv422', width: 1920, height: 32 });
    });

    it('leaves the choice to ffmpeg when the device lists nothing', () => {
      expect(chooseV4l2Input([], { width: 320, height: 240 })).to.deep.equal({});
    });
  });

  it('asks the device for format, size and rate', () => {
    expect(v4l2InputArgs('/dev/video0', { inputFormat: 'mjpeg', width: 1280, height: 720 }, 30)).to.deep.equal([
      '-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', '1280x720', '-framerate', '30', '-i', '/dev/video0',
    ]);
    expect(v4l2InputArgs('/dev/video2', {}, undefined)).to.deep.equal(['-f', 'v4l2', '-i', '/dev/video2']);
  });
});
