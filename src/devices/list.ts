import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { probeV4l2Formats } from './probe.js';
import type { DeviceSize, VideoDevice, VideoFormat } from './video-format.js';

export const NO_DEVICES = 'no video devices found (/dev/video*)';
const WITHOUT_A_CAMERA =
  'Without a camera: --source webcam:TEST (fswebcam\'s colour bars) or --source lavfi:testsrc2 (ffmpeg\'s test picture).';

/** /dev/video* in numeric order, each probed for its formats; a device that cannot be probed says why. */
export async function listVideoDevices(devDir = '/dev'): Promise<VideoDevice[]> {
  const names = (await readdir(devDir).catch(() => [] as string[]))
    .filter((n) => /^video\d+$/.test(n))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const devices: VideoDevice[] = [];
  for (const name of names) {
    const path = join(devDir, name);
    try {
      devices.push({ path, formats: await probeV4l2Formats(path) });
    } catch (err) {
      devices.push({ path, formats: [], error: (err as Error).message });
    }
  }
  return devices;
}

/** The `framewire devices` listing: formats, sizes and rates per device, or plainly that there are none. */
export function formatDeviceList(devices: VideoDevice[]): string {
  const lines: string[] = [];
  if (devices.length === 0) lines.push(NO_DEVICES);
  for (const device of devices) {
    lines.push(device.path);
    if (device.error) lines.push(`  ${device.error}`);
    for (const format of device.formats) lines.push(`  ${formatLine(format)}`);
    if (device.formats.length > 0) lines.push(`  use: --source v4l2:${device.path}`);
  }
  lines.push(WITHOUT_A_CAMERA);
  return `${lines.join('\n')}\n`;
}

function formatLine(f: VideoFormat): string {
  const head = `${f.name} (${f.description}${f.compressed ? ', compressed' : ''}):`;
  if (f.range) {
    const r = f.range;
    return `${head} any size from ${r.minWidth}x${r.minHeight} to ${r.maxWidth}x${r.maxHeight} (steps ${r.stepWidth}x${r.stepHeight})`;
  }
  return `${head} ${f.sizes.map(sizeText).join(', ')}`;
}

function sizeText(s: DeviceSize): string {
  return s.fps.length === 0 ? `${s.width}x${s.height}` : `${s.width}x${s.height} @ ${s.fps.join('/')} fps`;
}
