/**
 * The ST 2110-21 verdicts framewire's receiver gives real senders over loopback: framewire paced linear, gapped and
 * burst, and GStreamer's `videotestsrc ! rtpvrawpay ! udpsink`, at 640x480@60, 1280x720@30 and 1920x1080@30 rgb24.
 * Each run: a `framewire receive --sdp` (frame rate from the SDP's exactframerate, timing from kernel receive stamps)
 * with --report, and the sender as its own process; the table shows the stream's verdict (its worst frame's), how
 * many frames were narrow / wide / non-conformant, and the median and worst per-frame Cinst and VRX from the frame
 * log. The numbers are docs/timing.md's.
 *
 *   npm run build && npx tsx bench/timing-verdicts.ts [--frames N] [--sizes 640x480@60,...] [--out FILE.md]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSdp } from '../src/rtp/sdp.js';
import type { FrameRecord } from '../src/transport/receiver.js';
import type { TimingReport } from '../src/session/interceptors/timing-analysis.js';
import { describeMachine, machineLine } from './machine.js';
import { freeUdpPort } from './ports.js';

const BIN = new URL('../bin/framewire.js', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '120' },
    sizes: { type: 'string', default: '640x480@60,1280x720@30,1920x1080@30' },
    out: { type: 'string' },
  },
});
const FRAMES = Number(values.frames);

interface Run {
  code: number | null;
  stderr: string;
}

function run(command: string, args: string[]): { done: Promise<Run>; stderr: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d; });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { done, stderr: () => stderr };
}

async function until(check: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Sender = 'linear' | 'gapped' | 'burst' | 'gstreamer';

interface Row {
  sender: string;
  stream: string;
  timing: TimingReport;
  cinst: { p50: number; max: number } | undefined;
  vrx: { p50: number; max: number } | undefined;
  packetsLost: number;
}

/** Median and maximum; undefined when no frame was analyzed. */
function spread(xs: number[]): { p50: number; max: number } | undefined {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? undefined : { p50: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

async function measure(sender: Sender, width: number, height: number, fps: number): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'fw-timing-'));
  try {
    const port = await freeUdpPort();
    const sdp = join(dir, 'stream.sdp');
    const geometry = { width, height, format: 'rgb24' as const };
    await writeFile(sdp, buildSdp({ geometry, host: '127.0.0.1', port, fps }));
    const report = join(dir, 'rx.json');
    // --timeout 15: on a loaded machine a sender can take seconds to start, and the receiver waits that long for it.
    const receiver = run(process.execPath, [BIN, 'receive', '--sdp', sdp, '--frames', String(FRAMES - 10), '--timeout', '15', '--report', report]);
    await until(() => receiver.stderr().includes('framewire receive: 127.0.0.1'), 'the receiver to listen');
    const size = `${width}x${height}`;
    const send = sender === 'gstreamer'
      ? run('gst-launch-1.0', ['-q', '-e', 'videotestsrc', `num-buffers=${FRAMES}`, 'pattern=smpte', '!',
        `video/x-raw,format=RGB,width=${width},height=${height},framerate=${fps}/1`, '!', 'rtpvrawpay', '!',
        'udpsink', 'host=127.0.0.1', `port=${port}`])
      : run(process.execPath, [BIN, 'send', '--size', size, '--fps', String(fps), '--frames', String(FRAMES),
        '--pacing', sender, '--to', `127.0.0.1:${port}`]);
    const sent = await send.done;
    if (sent.code !== 0) throw new Error(`${sender} failed: ${sent.stderr}`);
    const received = await receiver.done;
    if (received.code !== 0) throw new Error(`receiver failed: ${received.stderr}`);
    const r = JSON.parse(await readFile(report, 'utf8')) as { timing: TimingReport; packetsLost: number };
    const records = (await readFile(join(dir, 'rx.frames.jsonl'), 'utf8')).split('\n')
      .flatMap((line) => (line ? [JSON.parse(line) as FrameRecord] : [])).flatMap((f) => (f.timing ? [f.timing] : []));
    const cinst = records.map((t) => t.cinstMax);
    const vrx = records.map((t) => t.vrxMax);
    return {
      sender: sender === 'gstreamer' ? 'GStreamer rtpvrawpay ! udpsink' : `framewire --pacing ${sender}`,
      stream: `${size}@${fps}`,
      timing: r.timing,
      cinst: spread(cinst),
      vrx: spread(vrx),
      packetsLost: r.packetsLost,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const show = (s: Row['cinst']): string => (s ? `${s.p50} (${s.max})` : '–');

const rows: Row[] = [];
const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
for (const spec of values.sizes.split(',')) {
  const m = /^(\d+)x(\d+)@(\d+)$/.exec(spec);
  if (!m) throw new Error(`--sizes: '${spec}' is not WxH@FPS`);
  for (const sender of ['linear', 'gapped', 'burst', 'gstreamer'] as const) {
    const row = await measure(sender, Number(m[1]), Number(m[2]), Number(m[3]));
    rows.push(row);
    const t = row.timing;
    console.error(`${row.sender} ${row.stream}: ${t.verdict} (${t.frames.narrow}/${t.frames.wide}/${t.frames['non-conformant']})`);
  }
}
const loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');
const lines = [
  `Measured ${new Date().toISOString()} on ${machineLine(describeMachine(undefined))}, GStreamer 1.22; ` +
    `load average ${loadBefore} before, ${loadAfter} after (the machine is shared: expect load). ${FRAMES} frames a run, ` +
    `rgb24, mtu 1400, loopback; \`npx tsx bench/timing-verdicts.ts\`.`,
  '',
  '| sender | stream | packets/frame | verdict (worst frame) | frames narrow / wide / non-conformant (skipped) | Cinst per frame p50 (max) | VRX per frame p50 (max) | CMAX narrow / wide | VRX_FULL narrow / wide | schedule | packets lost |',
  '|---|---|---:|---|---|---:|---:|---:|---:|---|---:|',
  ...rows.map((r) => {
    const t = r.timing;
    return `| ${r.sender} | ${r.stream} | ${t.packetsPerFrame ?? '–'} | ${t.verdict} | ${t.frames.narrow} / ${t.frames.wide} / ` +
      `${t.frames['non-conformant']} (${t.framesSkipped}) | ${show(r.cinst)} | ${show(r.vrx)} | ` +
      `${t.cmaxNarrow ?? '–'} / ${t.cmaxWide ?? '–'} | ${t.vrxFullNarrow ?? '–'} / ${t.vrxFullWide ?? '–'} | ${t.schedule ?? '–'} | ${r.packetsLost} |`;
  }),
];
const text = `${lines.join('\n')}\n`;
if (values.out) await writeFile(values.out, text);
process.stdout.write(text);
