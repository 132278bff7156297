import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type NodeWebcam from 'node-webcam';
import type { Frame, FrameGeometry } from '../frame.js';
import { geometryOf, nowUs } from '../frame.js';
import { loadSharp, type Sharp } from '../load-sharp.js';
import { rgb24ToFormat } from '../pixels.js';
import { assertStampable, writeStamp } from '../stamp.js';
import { SettingError } from '../usage-error.js';
import { allocFrameData } from './generated-source.js';
import type { Source, SourceOptions } from './source.js';


/** fswebcam's own default device. */
export const DEFAULT_WEBCAM_DEVICE = '/dev/video0';
/** node-webcam builds a shell command from the device name, so only plain path characters may reach it. */
const SAFE_DEVICE = /^[\w./:-]+$/;

/**
 * `webcam[:DEVICE]` source: one fswebcam run (through node-webcam) per frame, JPEG decoded and fitted to
 * the requested size with sharp. A process and a JPEG round trip per frame make it slow (tens of fps at
 * best); it is here because it is how the original program read its camera, and to measure that honestly.
 * `webcam:TEST` is fswebcam's built-in test device: colour bars, no camera needed.
 * The camera sets the rate; --fps only paces the sender.
 */
export async function createWebcamSource(arg: string, options: SourceOptions): Promise<Source> {
  const device = arg === '' ? DEFAULT_WEBCAM_DEVICE : arg;
  if (!SAFE_DEVICE.test(device)) {
    throw new SettingError('source', `webcam device '${device}' may only contain letters, digits and . / : _ -`);
  }
  const g = geometryOf(options);
  if (options.stamp) assertStampable(g);
  return new WebcamSource(device, g, options.stamp ?? false);
}

class WebcamSource implements Source {
  readonly description: string;
  private closed = false;
  private dir: string | undefined;
  private sharp: Sharp | undefined;

  constructor(
    private readonly device: string,
    readonly geometry: FrameGeometry,
    private readonly stamp: boolean,
  ) {
    this.description = `webcam:${device} ${geometry.width}x${geometry.height} ${geometry.format} (fswebcam, one capture per frame)`;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    this.dir = await mkdtemp(join(tmpdir(), 'framewire-webcam-'));
    const shot = join(this.dir, 'shot.jpg');
    // Loaded here, by the commands that capture, rather than by every command that knows the webcam source.
    const [{ default: Webcam }, sharp] = await Promise.all([import('node-webcam'), loadSharp()]);
    this.sharp = sharp;
    const camera = new Webcam.FSWebcam({
      width: this.geometry.width,
      height: this.geometry.height,
      output: 'jpeg',
      quality: 95,
      device: this.device,
      callbackReturn: 'buffer',
      // node-webcam otherwise keeps every shot in memory for the life of the camera.
      saveShots: false,
      verbose: false,
    });
    const frame: Frame = { ...this.geometry, data: allocFrameData(this.geometry), index: 0, captureTimeUs: 0 };
    try {
      for (let index = 0; !this.closed; index++) {
        // A failed capture must not hand back the previous picture.
        await rm(shot, { force: true });
        const jpeg = await this.capture(camera, shot).catch((err: Error) => {
          if (this.closed) return undefined; // close() removed the directory under a running capture
          throw err;
        });
        if (!jpeg) break;
        // The picture is exposed near the end of fswebcam's run; process start-up dominates before it.
        frame.captureTimeUs = nowUs();
        frame.index = index;
        await this.decodeInto(jpeg, frame);
        if (this.stamp) writeStamp(frame);
        if (this.closed) break;
        yield frame;
      }
    } finally {
      await this.removeDir();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.removeDir();
  }

  private capture(camera: NodeWebcam.FSWebcam, location: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      camera.capture(location, (err, data) => {
        if (err) reject(new Error(this.explain(err)));
        else if (!Buffer.isBuffer(data) || data.length === 0) reject(new Error(this.explain(new Error('fswebcam wrote no picture'))));
        else resolve(data);
      });
    });
  }

  private explain(err: Error & { code?: unknown }): string {
    const where = `webcam: ${this.device}`;
    if (err.code === 127 || /fswebcam: (command )?not found/i.test(err.message)) {
      return `${where}: fswebcam not found — apt-get install fswebcam`;
    }
    if (/No webcam found|ENOENT/i.test(err.message)) {
      return `${where} not found — is a camera connected? \`framewire devices\` lists devices (webcam:TEST needs none)`;
    }
    return `${where}: capture failed (${err.message.trim()}) — check the camera with \`framewire devices\``;
  }

  private async decodeInto(jpeg: Buffer, frame: Frame): Promise<void> {
    const { width, height } = this.geometry;
    const { data, info } = await this.sharp!(jpeg)
      .resize(width, height, { fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== width || info.height !== height) {
      throw new Error(`webcam: ${this.device}: picture decoded to ${info.width}x${info.height} with ${info.channels} channels`);
    }
    rgb24ToFormat(data, this.geometry, frame.data);
  }

  private async removeDir(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
