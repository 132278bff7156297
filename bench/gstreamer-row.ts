/**
 * The GStreamer reference for the same wire: `videotestsrc ! rtpvrawpay ! udpsink` in one gst-launch process and
 * `udpsrc ! rtpvrawdepay ! fakesink` in another, each under /usr/bin/time for CPU and peak RSS.
 *
 * What is counted, and how:
 * - sender seconds: gst-launch's "Execution ended after" (PLAYING to EOS, so start-up is not counted), for
 *   num-buffers frames;
 * - frames at the receiver: fakesink silent=false with -v prints one "last-message = chain" line per buffer
 *   rtpvrawdepay pushes (about 12 us of receiver CPU a frame, measured; the sender is the bottleneck);
 * - complete frames: frames counted minus those rtpvrawdepay flagged DISCONT (it pushes frames with holes too,
 *   and flags the one being assembled when a sequence gap shows). A gap that spans the end of one frame and the
 *   start of the next flags only one of them, so this is an upper bound, exact when the kernel dropped nothing
 *   at the udpsrc socket (its drop counter in /proc/net/udp is kept as packetsLost); it errs in GStreamer's favour;
 * - packets and bytes a frame: measured once per configuration by sending one frame to a counting socket.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Child, readTimeUsage, TIME_BIN, timedArgs } from './child.js';
import { freeUdpPort } from './ports.js';
import { udpDrained, udpSocket } from './proc.js';
import { dimensions, type RowConfig, type RunResult } from './row.js';

const GST = 'gst-launch-1.0';
/** fakesink's last-message lists buffer flags by name: "flags: 00000040 discont , meta: ...". */
const DISCONT = /flags: [0-9a-f]+ [^,]*\bdiscont\b/;

/** What one line of `gst-launch -v ... ! fakesink silent=false` says about a buffer reaching the sink. */
export function sinkLine(line: string): 'frame' | 'discont-frame' | undefined {
  if (!line.includes('last-message = chain')) return undefined;
  return DISCONT.test(line) ? 'discont-frame' : 'frame';
}
const SOCKET_BUFFER_BYTES = 32 * 1024 * 1024;

/** gst-launch's version line, or undefined when GStreamer (or the time program) is missing. */
export async function gstreamerVersion(): Promise<string | undefined> {
  try {
    await promisify(execFile)(TIME_BIN, ['-f', '', 'true']);
    const { stdout } = await promisify(execFile)(GST, ['--version']);
    return /GStreamer [\d.]+/.exec(stdout)?.[0];
  } catch {
    return undefined;
  }
}

/** What one frame of a configuration costs on the wire with rtpvrawpay. */
export interface GstWire {
  packetsPerFrame: number;
  bytesPerFrame: number;
}

function senderPipeline(row: RowConfig, frames: number, port: number): string[] {
  const { width, height } = dimensions(row.size);
  return ['videotestsrc', 'is-live=false', 'pattern=smpte', `num-buffers=${frames}`, '!',
    // A rate far above what the pipeline reaches; with sync=false nothing waits for the clock.
    `video/x-raw,format=${row.format === 'rgb24' ? 'RGB' : 'UYVY'},width=${width},height=${height},framerate=10000/1`,
    '!', 'rtpvrawpay', `mtu=${row.mtu}`, '!', 'udpsink', 'host=127.0.0.1', `port=${port}`,
    `buffer-size=${SOCKET_BUFFER_BYTES}`, 'sync=false', 'async=false'];
}

function receiverPipeline(row: RowConfig, port: number): string[] {
  const { width, height } = dimensions(row.size);
  const caps = 'application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,' +
    `sampling=${row.format === 'rgb24' ? 'RGB' : 'YCbCr-4:2:2'},depth=(string)8,` +
    `width=(string)${width},height=(string)${height},payload=96`;
  return ['-v', 'udpsrc', 'address=127.0.0.1', `port=${port}`, `buffer-size=${SOCKET_BUFFER_BYTES}`, `caps=${caps}`,
    '!', 'rtpvrawdepay', '!', 'fakesink', 'silent=false', 'sync=false'];
}

export async function measureGstWire(row: RowConfig): Promise<GstWire> {
  const socket = dgram.createSocket('udp4');
  let packets = 0;
  let bytes = 0;
  socket.on('message', (msg) => {
    packets++;
    bytes += msg.length;
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
  try {
    const sender = Child.start(GST, senderPipeline(row, 1, socket.address().port), { timeoutMs: 30_000 });
    await sender.succeeded();
    await udpDrained(socket.address().port);
    return { packetsPerFrame: packets, bytesPerFrame: bytes };
  } finally {
    socket.close();
  }
}

export function parseExecutionSec(output: string): number | undefined {
  const m = /Execution ended after (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(output);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

export async function runGstreamerRow(row: RowConfig, frames: number, wire: GstWire): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-bench-gst-'));
  const limitMs = (row.durationSec * 20 + 60) * 1000;
  try {
    const port = await freeUdpPort();
    let counted = 0;
    let flagged = 0;
    const receiver = Child.start(TIME_BIN, timedArgs(join(dir, 'receiver.time'), GST, receiverPipeline(row, port)), {
      timeoutMs: limitMs,
      onLine: (line) => {
        const kind = sinkLine(line);
        if (!kind) return;
        // The first buffer of a stream is always flagged DISCONT: there was nothing before it.
        if (counted++ > 0 && kind === 'discont-frame') flagged++;
      },
    });
    await receiver.waitFor('Setting pipeline to PLAYING');
    const sender = Child.start(TIME_BIN, timedArgs(join(dir, 'sender.time'), GST,
      senderPipeline(row, frames, port)), { timeoutMs: limitMs });
    await sender.succeeded();
    await udpDrained(port);
    const dropped = (await udpSocket(port))?.drops ?? 0;
    receiver.signal('SIGINT');
    await receiver.exited; // its count is final once it has exited and flushed its output
    const send = await readTimeUsage(join(dir, 'sender.time'));
    const recv = await readTimeUsage(join(dir, 'receiver.time'));
    const senderSec = parseExecutionSec(sender.output()) ?? send.wallSec;
    const complete = Math.max(0, Math.min(counted, frames) - flagged);
    const packetsReceived = Math.max(0, frames * wire.packetsPerFrame - dropped);
    return {
      framesSent: frames,
      framesComplete: complete,
      packetsLost: dropped,
      senderSec,
      deliveredFps: complete / senderSec,
      completePct: (100 * complete) / frames,
      mbps: (packetsReceived * (wire.bytesPerFrame / wire.packetsPerFrame) * 8) / senderSec / 1e6,
      packetsPerSec: packetsReceived / senderSec,
      senderCpuMsPerFrame: (send.cpuSec * 1000) / frames,
      receiverCpuMsPerFrame: (recv.cpuSec * 1000) / Math.max(1, complete),
      receiverPeakRssMb: recv.peakRssMb,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
