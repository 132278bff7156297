import { parseFfmpegFormats } from './ffmpeg-formats.js';
import { runTool } from './run-tool.js';
import { parseV4l2CtlRates, type FormatRates } from './v4l2-ctl-formats.js';
import type { VideoFormat } from './video-format.js';

export const FFMPEG_MISSING = 'ffmpeg not found — apt-get install ffmpeg';
const LIST_HINT = '`framewire devices` lists devices';

/**
 * A message naming the device and the fix, from what ffmpeg printed when it could not use a V4L2 device.
 * `how` (e.g. "ffmpeg was killed by SIGKILL") is given when a running capture ended.
 */
export function explainV4l2Failure(device: string, stderr: string, how?: string): string {
  const where = `v4l2: ${device}`;
  if (/No such file or directory/i.test(stderr)) return `${where} not found — is a camera connected? ${LIST_HINT}`;
  if (/No such device/i.test(stderr)) return `${where} went away — was the camera unplugged? Reconnect it and retry (${LIST_HINT})`;
  if (/Permission denied/i.test(stderr)) {
    return `${where}: permission denied — add your user to the 'video' group (sudo usermod -aG video $USER) and log in again`;
  }
  if (/Not a video capture device/i.test(stderr)) {
    return `${where} is not a video capture device (cameras often add a metadata node beside the capture node; try the next /dev/video*)`;
  }
  if (/busy/i.test(stderr)) return `${where} is busy — another program is using the camera; close it and retry`;
  const detail = [how, stderr.trim().split('\n').slice(-3).join(' / ')].filter(Boolean).join(': ');
  const what = how ? 'stopped delivering frames' : 'could not be opened';
  return `${where} ${what}${detail ? ` (${detail})` : ''} — was the camera unplugged? Reconnect it and retry (${LIST_HINT})`;
}

/**
 * Formats and sizes a V4L2 device offers, from `ffmpeg -list_formats all`; frame rates are added from
 * `v4l2-ctl --list-formats-ext` when v4l-utils is installed (ffmpeg does not list them).
 * Throws an Error naming the device and the fix when it cannot be opened or ffmpeg is missing.
 */
export async function probeV4l2Formats(device: string): Promise<VideoFormat[]> {
  const result = await runTool('ffmpeg', ['-hide_banner', '-nostdin', '-f', 'v4l2', '-list_formats', 'all', '-i', device]);
  if (!result) throw new Error(`v4l2: ${device}: ${FFMPEG_MISSING}`);
  const formats = parseFfmpegFormats(result.stderr);
  if (formats.length === 0) throw new Error(explainV4l2Failure(device, result.stderr));
  const ctl = await runTool('v4l2-ctl', ['--list-formats-ext', '-d', device]);
  if (ctl?.code === 0) addRates(formats, parseV4l2CtlRates(ctl.stdout));
  return formats;
}

function addRates(formats: VideoFormat[], rates: FormatRates): void {
  for (const format of formats) {
    const bySize = rates.get(format.description);
    for (const size of format.sizes) size.fps = bySize?.get(`${size.width}x${size.height}`) ?? [];
  }
}
