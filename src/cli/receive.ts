import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parsePixelFormat, parseSize, validateGeometry, type FrameGeometry } from '../frame.js';
import { prepareOutputFile, writeFileAtomic } from '../output-file.js';
import { processUsage } from '../process-usage.js';
import { payloadFormat } from '../rtp/formats/index.js';
import type { SdpStream } from '../rtp/sdp.js';
import type { Sink } from '../sinks/sink.js';
import { createSink } from '../sinks/spec.js';
import { formatEndpoint, isLoopback, parseEndpoint, type Endpoint } from '../transport/endpoint.js';
import { Receiver, type ReceiverOptions, type ReceiverReport } from '../transport/receiver.js';
import { SourceFilter } from '../transport/source-filter.js';
import { SettingError, UsageError } from '../usage-error.js';
import { withExitCode } from './command.js';
import { FrameLog, frameLogPath } from './frame-log.js';
import { feedbackSummary } from './feedback-summary.js';
import { collect, nonNegativeNumber, parseSsrc, parseWire, positiveInt, positiveNumber, wholeNumber } from './options.js';
import { plural } from './plural.js';
import { onInterrupt, startStatusLine } from './status-line.js';

export function receiveCommand(): Command {
  const command = new Command('receive')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5004')
    .option('--size <WxH>', 'frame size', '160x120')
    .addOption(new Option('--format <format>', 'pixel format').choices(['rgb24', 'uyvy']).default('rgb24'))
    .option('--sdp <file>', 'take the address, port, size, format and frame rate from an SDP file')
    .option('--wire <wire>', 'rtp (RFC 4175) or raw (one datagram a frame)', parseWire, 'rtp')
    .option('--sink <spec>', 'null | png:DIR[:every=N] | sdl[:scale=N] (repeatable)', collect)
    .option('--frames <n>', 'end after N complete frames', positiveInt('--frames'))
    .option('--timeout <sec>', 'end after SEC seconds without packets', positiveNumber('--timeout'))
    .option('--partial', 'hand incomplete frames to sinks too')
    .option('--ssrc <n>', 'follow only this SSRC', parseSsrc)
    .option('--from <host[/prefix]>', 'take datagrams only from these hosts or networks, IPv4 or IPv6 (repeatable, or a comma list)', collect)
    .option('--latency <ms>', 'how long a frame waits for missing packets once a newer frame has started', nonNegativeNumber('--latency'), 10)
    .option('--rtcp-mux', 'RTCP on the RTP port (RFC 5761) instead of the port above it')
    .option('--rtcp-interval <ms>', 'ms between RTCP receiver reports (randomized 0.5-1.5x)', positiveNumber('--rtcp-interval'), 200)
    .option('--rtcp-to <host:port>', 'where RTCP goes (default: back where the sender\'s RTCP comes from)')
    .option('--nack', 'ask for lost packets (RFC 4585 NACK) and take RFC 4588 retransmissions, within --latency')
    .option('--rtx-pt <n>', 'payload type of the retransmissions (with --nack)', wholeNumber('--rtx-pt', 96, 127), 97)
    .option('--no-timing', 'skip the ST 2110-21 timing analysis (Cinst, VRX, narrow/wide verdict per frame)')
    .option('--report <file>', 'write the report as JSON, and each frame\'s record to FILE.frames.jsonl');
  return withExitCode(command, async (opts: ReceiveFlags, cmd: Command) => runReceive(opts, cmd));
}

interface ReceiveFlags {
  listen: string;
  size: string;
  format: string;
  sdp?: string;
  wire: string;
  sink?: string[];
  frames?: number;
  timeout?: number;
  partial?: boolean;
  ssrc?: number;
  from?: string[];
  latency: number;
  rtcpMux?: boolean;
  rtcpInterval: number;
  rtcpTo?: string;
  nack?: boolean;
  rtxPt: number;
  timing: boolean;
  report?: string;
}

/** What the stream looks like and where it comes in, from the flags or an SDP; `from` is the flag that said where. */
interface StreamSettings {
  geometry: FrameGeometry;
  listen: Endpoint;
  fps?: number;
  from: '--listen' | '--sdp';
  /** What an SDP said of feedback: NACK offered, the RTX payload type, RTCP muxed. */
  sdp?: SdpStream;
}

async function streamSettings(opts: ReceiveFlags, cmd: Command): Promise<StreamSettings> {
  if (!opts.sdp) {
    const geometry = { ...parseSize(opts.size, '--size'), format: parsePixelFormat(opts.format, '--format') };
    return { geometry: validateGeometry(geometry, '--size'), listen: parseEndpoint(opts.listen, '--listen', true), from: '--listen' };
  }
  if (opts.wire !== 'rtp') throw new UsageError('--sdp: an SDP describes an RTP stream; drop --wire raw');
  // The SDP's connection line and port say where the stream goes, as its fmtp says what it is.
  for (const flag of ['size', 'format', 'listen'] as const) {
    if (cmd.getOptionValueSource(flag) === 'cli') throw new UsageError(`--${flag}: conflicts with --sdp, which sets it`);
  }
  const text = await readFile(opts.sdp, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`--sdp: cannot read '${opts.sdp}' (${err.code ?? err.message})`);
  });
  // sdp-transform is loaded only for the receivers that read an SDP.
  const { parseSdp } = await import('../rtp/sdp.js');
  const sdp = parseSdp(text, '--sdp');
  return { geometry: sdp.geometry, listen: { host: sdp.host, port: sdp.port }, fps: sdp.fps, from: '--sdp', sdp };
}

/** Opens the receiver; an address this machine cannot listen on is a usage error naming the flag that gave it. */
async function openReceiver(options: ReceiverOptions, from: StreamSettings['from']): Promise<Receiver> {
  try {
    return await Receiver.open(options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `cannot listen on ${formatEndpoint(options.listen)}${from === '--sdp' ? ' (its connection address and port)' : ''}`;
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`${from}: ${where}: not an address of this machine`);
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new UsageError(`${from}: ${where} (${code})`);
    if (err instanceof SettingError && err.setting === 'listen') throw new UsageError(`${from}: ${err.problem}`);
    throw err;
  }
}

async function runReceive(opts: ReceiveFlags, cmd: Command): Promise<number> {
  const { geometry, listen, fps, from, sdp } = await streamSettings(opts, cmd);
  // An SDP that offers NACK feedback (a=rtcp-fb:PT nack) turns it on, with its RTX payload type and RTCP muxing.
  const nack = opts.nack || sdp?.nack;
  const rtxPayloadType = cmd.getOptionValueSource('rtxPt') === 'cli' ? opts.rtxPt : (sdp?.rtxPayloadType ?? opts.rtxPt);
  // Everything that can be wrong is found before a sink opens or a frame is waited for: a wire that cannot carry
  // this frame size (raw: one datagram a frame), and where the report and the frame log are to go.
  payloadFormat(opts.wire).createDepayloader(geometry);
  const sources = opts.from ? SourceFilter.parse(opts.from) : undefined;
  if (opts.report) {
    await prepareOutputFile(opts.report, 'report');
    await prepareOutputFile(frameLogPath(opts.report), 'report');
  }
  const sinks: Sink[] = [];
  for (const spec of opts.sink ?? ['null']) sinks.push(await createSink(spec));
  const frameLog = opts.report ? new FrameLog(frameLogPath(opts.report)) : undefined;
  const receiver = await openReceiver({
    listen, geometry, wire: opts.wire, sinks, frames: opts.frames, timeoutSec: opts.timeout, fps,
    partial: opts.partial, ssrc: opts.ssrc, from: sources, latencyMs: opts.latency, rtcpMux: opts.rtcpMux || sdp?.rtcpMux,
    rtcpIntervalMs: opts.rtcpInterval, onFrame: frameLog?.write, timing: opts.timing,
    rtcpTo: opts.rtcpTo === undefined ? undefined : parseEndpoint(opts.rtcpTo, '--rtcp-to'),
    nack: nack ? { rtxPayloadType, mediaPayloadType: sdp?.payloadType } : undefined,
  }, from);
  // Ctrl-C is handled before the start line is out: whoever signals on seeing it reaches the handler.
  const removeInterrupt = onInterrupt(() => receiver.stop());
  process.stderr.write(
    `framewire receive: ${formatEndpoint(receiver.address)} ${geometry.width}x${geometry.height} ${geometry.format} ` +
    `(${opts.wire}) -> ${sinks.map((s) => s.description).join(', ')}${sources ? ` from ${sources.description}` : ''}\n`,
  );
  if (!sources && !isLoopback(receiver.address.host)) {
    process.stderr.write(
      `framewire receive: warning: listening on ${receiver.address.host}: anyone who can reach this port can inject frames (limit senders with --from)\n`,
    );
  }
  let previous = receiver.progress();
  const stopStatus = startStatusLine(() => {
    const now = receiver.progress();
    const packets = now.packetsReceived - previous.packetsReceived;
    const lost = now.packetsLost - previous.packetsLost;
    const line = `recv ${now.framesComplete - previous.framesComplete} fps  ` +
      `${((now.bytesReceived - previous.bytesReceived) * 8 / 1e6).toFixed(1)} Mbit/s  ` +
      `loss ${packets + lost > 0 ? ((100 * lost) / (packets + lost)).toFixed(2) : '0.00'}%  ` +
      `incomplete ${now.framesIncomplete}` +
      (now.timingVerdict ? `  timing ${now.timingVerdict}` : '');
    previous = now;
    return line;
  });
  const report = await receiver.done;
  removeInterrupt();
  stopStatus();
  // The summary is out first: a report that cannot be written costs the file, not the numbers.
  process.stderr.write(summary(report) + feedbackSummary(report) + timingSummary(report));
  const hint = mismatchHint(report, geometry);
  if (hint) process.stderr.write(hint);
  const unwritten: string[] = [];
  if (frameLog && opts.report) {
    await frameLog.close().catch((err: Error) => unwritten.push(err.message));
    const log = { framesLog: frameLog.path, framesLogged: frameLog.written, framesLogDropped: frameLog.dropped };
    await writeFileAtomic(opts.report, `${JSON.stringify({ ...report, ...log, usage: processUsage() }, null, 2)}\n`)
      .catch((err: Error) => unwritten.push(err.message));
  }
  for (const message of unwritten) process.stderr.write(`framewire receive: ${message}\n`);
  return unwritten.length > 0 ? 1 : 0;
}

/** The ST 2110-21 verdict and what it rests on, when the timing analysis ran. */
function timingSummary(r: ReceiverReport): string {
  const t = r.timing;
  if (!t) return '';
  if (t.framesAnalyzed === 0) return `framewire receive: timing (ST 2110-21) not measured: no frame arrived whole after the first\n`;
  return `framewire receive: timing (ST 2110-21) ${t.verdict} over ${plural(t.framesAnalyzed, 'frame')} ` +
    `(narrow ${t.frames.narrow}, wide ${t.frames.wide}, non-conformant ${t.frames['non-conformant']}): ` +
    `Cinst max ${t.cinstMax} (CMAX narrow ${t.cmaxNarrow}, wide ${t.cmaxWide}), ` +
    `VRX max ${t.vrxMax} (VRX_FULL narrow ${t.vrxFullNarrow}, wide ${t.vrxFullWide}), ` +
    `${t.packetsPerFrame} packets a frame at ${t.fps} fps (${t.fpsFrom === 'sdp' ? 'from the SDP' : 'measured from RTP timestamps'}), ` +
    `${t.clock === 'kernel' ? 'kernel receive stamps' : 'Node arrival times'}\n`;
}

/** Most of what came was malformed: the likeliest cause is a sender with another frame size or pixel format. */
const MALFORMED_SHARE_FOR_HINT = 0.5;

/**
 * What a sender with another frame size or pixel format looks like from here: a larger one's packets fall outside
 * this receiver's frame (malformed); a smaller one's frames all end (their last packet came) short, with no packet
 * lost that could explain it. One frame ending short among complete ones is a receiver that started mid-frame.
 */
function mismatchHint(r: ReceiverReport, g: FrameGeometry): string | undefined {
  const fix = 'check that --size and --format (or --sdp) match the sender\'s';
  const size = `${g.width}x${g.height}`;
  if (r.packetsMalformed > 0 && r.packetsMalformed >= r.packetsReceived * MALFORMED_SHARE_FOR_HINT) {
    return `framewire receive: hint: ${r.packetsMalformed} of ${plural(r.packetsReceived, 'packet')} were malformed for ` +
      `${size} ${g.format}; ${fix}\n`;
  }
  if (r.framesShort > 0 && r.framesComplete === 0 && r.packetsLost === 0) {
    return `framewire receive: hint: ${plural(r.framesShort, 'frame')} ended short of ${size} ${g.format} with no ` +
      `packet lost: the sender's frames look smaller than ${size}; ${fix}\n`;
  }
  return undefined;
}

function summary(r: ReceiverReport): string {
  const latency = r.latencyMs
    ? `, latency p50 ${r.latencyMs.p50.toFixed(2)} ms p99 ${r.latencyMs.p99.toFixed(2)} ms`
    : '';
  const drops = Object.entries(r.sinkDrops).filter(([, n]) => n > 0).map(([s, n]) => `, ${s} dropped ${n}`).join('');
  const errors = Object.entries(r.sinkErrors).map(([s, e]) => `, ${s} failed on ${plural(e.count, 'frame')} (${e.first})`).join('');
  // Rates are over the frames' window, N frame periods (src/frame-rate.ts), which one frame alone does not give.
  const rates = r.durationSec > 0
    ? `${r.fps} fps, ${r.bitrateMbps} Mbit/s over ${r.durationSec} s`
    : 'rates not measured (they need two frames, or the frame rate from --sdp)';
  // Frames given up before their --latency budget ran out: the user asked for more than the pool may hold.
  const evicted = r.framesEvicted > 0 ? ` (${r.framesEvicted} evicted before --latency ran out: the reassembly pool was full)` : '';
  return `framewire receive: ${r.framesComplete} complete, ${r.framesIncomplete} incomplete${evicted}, ${r.framesCorrupt} corrupt; ` +
    `packets ${r.packetsReceived} received, ${r.packetsLost} lost, ${r.packetsDuplicate} duplicate, ` +
    `${r.packetsMalformed} malformed${r.packetsForeignSource > 0 ? `, ${r.packetsForeignSource} foreign (not --from)` : ''}; ${rates}${latency}${drops}${errors} (ended: ${r.endReason})\n`;
}
