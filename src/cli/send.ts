import { Command, Option } from 'commander';
import { parsePixelFormat, parseSize, validateGeometry, type FrameGeometry } from '../frame.js';
import { prepareOutputFile, writeFileAtomic } from '../output-file.js';
import { processUsage } from '../process-usage.js';
import { createSource } from '../sources/spec.js';
import { parseEndpoint, formatEndpoint } from '../transport/endpoint.js';
import type { Sender } from '../transport/sender.js';
import type { PacingMode } from '../transport/pacing.js';
import { UsageError } from '../usage-error.js';
import { withExitCode } from './command.js';
import { feedbackSummary } from './feedback-summary.js';
import { pacingSummary } from './pacing-summary.js';
import { parseFps, parseMtu, parsePacing, parseSeed, parseSsrc, parseWire, positiveInt, positiveNumber, wholeNumber } from './options.js';
import { plural } from './plural.js';
import { onInterrupt, startStatusLine } from './status-line.js';

export function sendCommand(): Command {
  const command = new Command('send')
    .option('--source <spec>', 'pattern:NAME | png:PATH | ...', 'pattern:smpte')
    .option('--size <WxH>', 'frame size', '160x120')
    .addOption(new Option('--format <format>', 'pixel format').choices(['rgb24', 'uyvy']).default('rgb24'))
    .option('--fps <n|max>', "frames per second, or 'max'", parseFps, 30 as number | 'max')
    .option('--pacing <mode>', 'spread each frame\'s packets over its period: linear (default at an fps), gapped (ST 2110-21), burst, or adaptive (default at --fps max over RTP: as fast as the receiver\'s RTCP reports say it keeps up)', parsePacing)
    .option('--frames <n>', 'stop after N frames', positiveInt('--frames'))
    .option('--duration <sec>', 'stop after SEC seconds', positiveNumber('--duration'))
    .option('--to <host:port>', 'destination', '127.0.0.1:5004')
    .option('--mtu <bytes>', 'link MTU; UDP payloads are at most MTU-28 bytes', parseMtu, 1400)
    .option('--wire <wire>', 'rtp (RFC 4175) or raw (one datagram a frame)', parseWire, 'rtp')
    .option('--sdp <file>', 'write an SDP describing the stream (for ffmpeg/GStreamer receivers)')
    .option('--ssrc <n>', 'fixed RTP SSRC (random by default)', parseSsrc)
    .option('--rtcp-mux', 'RTCP on the RTP port (RFC 5761) instead of a socket of its own')
    .option('--rtcp-interval <ms>', 'ms between RTCP sender reports (randomized 0.5-1.5x)', positiveNumber('--rtcp-interval'), 200)
    .option('--rtcp-listen <host:port>', 'where this sender reads RTCP (default: any free port)')
    .option('--rtcp-to <host:port>', 'where this sender\'s RTCP goes (default: the --to port + 1)')
    .option('--rtx', 'answer NACKs with RFC 4588 retransmissions from a send history')
    .option('--rtx-pt <n>', 'payload type of the retransmissions', wholeNumber('--rtx-pt', 96, 127), 97)
    .option('--rtx-history <ms>', 'how long sent packets are kept for retransmission', positiveNumber('--rtx-history'), 1000)
    .option('--stamp', 'stamp frames from sources that are sent verbatim (png)')
    .option('--seed <n>', 'seed for random sources (pattern:noise)', parseSeed)
    .option('--report <file>', 'write the sender stats as JSON');
  return withExitCode(command, async (opts: SendFlags) => runSend(opts));
}

interface SendFlags {
  source: string;
  size: string;
  format: string;
  fps: number | 'max';
  pacing?: PacingMode;
  frames?: number;
  duration?: number;
  to: string;
  mtu: number;
  wire: string;
  rtcpMux?: boolean;
  rtcpInterval: number;
  rtcpListen?: string;
  rtcpTo?: string;
  rtx?: boolean;
  rtxPt: number;
  rtxHistory: number;
  sdp?: string;
  ssrc?: number;
  stamp?: boolean;
  seed?: number;
  report?: string;
}

async function runSend(opts: SendFlags): Promise<number> {
  const geometry: FrameGeometry = validateGeometry(
    { ...parseSize(opts.size, '--size'), format: parsePixelFormat(opts.format, '--format') },
    '--size',
  );
  const to = parseEndpoint(opts.to, '--to');
  if (opts.sdp && opts.wire !== 'rtp') throw new UsageError('--sdp: an SDP describes an RTP stream; drop --wire raw');
  if (opts.sdp) await prepareOutputFile(opts.sdp, 'sdp');
  if (opts.report) await prepareOutputFile(opts.report, 'report');
  const source = await createSource(opts.source, {
    ...geometry,
    stamp: opts.stamp,
    fps: opts.fps === 'max' ? undefined : opts.fps,
    seed: opts.seed,
  });
  const abort = new AbortController();
  let sender: Sender;
  try {
    // The session stack (RTCP codecs included) loads only when a stream is sent, not for --help.
    const { Sender } = await import('../transport/sender.js');
    sender = await Sender.open(source, {
      to, wire: opts.wire, mtu: opts.mtu, fps: opts.fps, pacing: opts.pacing, frames: opts.frames, durationSec: opts.duration,
      ssrc: opts.ssrc, rtcpMux: opts.rtcpMux, signal: abort.signal, rtcpIntervalMs: opts.rtcpInterval,
      rtcpListen: opts.rtcpListen === undefined ? undefined : parseEndpoint(opts.rtcpListen, '--rtcp-listen', true),
      rtcpTo: opts.rtcpTo === undefined ? undefined : parseEndpoint(opts.rtcpTo, '--rtcp-to'),
      rtx: opts.rtx ? { payloadType: opts.rtxPt, historyMs: opts.rtxHistory } : undefined,
    });
  } catch (err) {
    await source.close();
    throw err;
  }
  if (opts.sdp) {
    // sdp-transform is loaded only for the sends that write an SDP.
    const { buildSdp } = await import('../rtp/sdp.js');
    const fps = opts.fps === 'max' ? undefined : opts.fps;
    await writeFileAtomic(opts.sdp, buildSdp({
      geometry, host: to.host, port: to.port, fps, ssrc: sender.stats.ssrc, rtcpMux: opts.rtcpMux,
      // The native thread keeps packets within µs of a linear or gapped schedule, but after a stall (a busy host) it
      // catches up in trains of up to 32, which a narrow receiver (CMAX 4 or so) is not promised to take: wide is
      // what it can claim. Node's timers send 1 ms groups, and a burst neither: they claim no sender type.
      ...(sender.pacingPath === 'native thread' ? { senderType: 'wide' as const } : {}),
      ...(opts.rtx ? { nack: true, rtxPayloadType: opts.rtxPt } : {}),
    }));
  }
  // Ctrl-C is handled before the start line is out: whoever signals on seeing it reaches the handler.
  const removeInterrupt = onInterrupt(() => abort.abort());
  process.stderr.write(`framewire send: ${source.description} -> ${formatEndpoint(to)} (${opts.wire}, mtu ${opts.mtu})\n`);
  let previous = { frames: 0, bytes: 0 };
  const stopStatus = startStatusLine(() => {
    const s = sender.stats;
    const line = `sent ${s.framesSent - previous.frames} fps  ${((s.bytesSent - previous.bytes) * 8 / 1e6).toFixed(1)} Mbit/s  ` +
      `frames ${s.framesSent}  errors ${s.sendErrors}`;
    previous = { frames: s.framesSent, bytes: s.bytesSent };
    return line;
  });
  let failure: unknown;
  await sender.run().catch((err: unknown) => { failure = err; });
  removeInterrupt();
  stopStatus();
  // A source that fails mid-run (camera unplugged) still gets its frames counted and reported.
  const stats = sender.snapshot();
  // Rates are over the frames' window, N frame periods (src/frame-rate.ts); one frame at --fps max has none.
  const rates = stats.durationSec > 0
    ? `over ${stats.durationSec.toFixed(2)} s (${stats.fps.toFixed(1)} fps, ${stats.bitrateMbps.toFixed(1)} Mbit/s, `
    : '(rates need two frames or an --fps, ';
  process.stderr.write(
    `framewire send: ${plural(stats.framesSent, 'frame')}, ${plural(stats.packetsSent, 'packet')} ${rates}` +
    `${plural(stats.sendErrors, 'send error')})\n` +
    `framewire send: ${pacingSummary(stats.pacing)}\n` +
    feedbackSummary(stats),
  );
  // The summary is out first: a report that cannot be written costs the file, not the numbers.
  const unwritten = opts.report
    ? await writeFileAtomic(opts.report, `${JSON.stringify({ ...stats, usage: processUsage() }, null, 2)}\n`)
      .then(() => undefined, (err: Error) => err)
    : undefined;
  if (unwritten) process.stderr.write(`framewire send: ${unwritten.message}\n`);
  if (failure !== undefined) throw failure;
  return unwritten ? 1 : 0;
}
