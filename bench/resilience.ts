/**
 * What NACK and RTX buy against loss, and what they cost: framewire sender, netsim relay and receiver as separate
 * processes over loopback, the same seeded loss for every engine, without and with NACK; GStreamer's tuned RTX
 * pipeline (rtpsession AVPF + rtprtxsend -> rtprtxreceive + rtpjitterbuffer do-retransmission) on the same relay for
 * comparison. Writes bench/results/resilience.{json,md} and, for a full run, the table in docs/resilience.md.
 *
 *   npx tsx bench/resilience.ts [--quick] [--frames N]
 *
 * A frame counts when it arrived whole and its pixels match: framewire checks the stamp CRC of every frame it
 * receives; GStreamer's frames are compared with its own rendering of the pattern. Latency is framewire's capture to
 * the arrival of a frame's last packet (stamp time to kernel receive time), p99 over complete frames.
 */
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './child.js';
import { gstreamerVersion } from './gstreamer-row.js';
import { describeMachine, machineLine } from './machine.js';
import { freeUdpPort } from './ports.js';
import { FRAMEWIRE_BIN } from './relay.js';

interface Config {
  size: string;
  loss: string;
  model: 'random' | 'bursty';
  rttMs: number;
}

interface Outcome {
  engine: 'framewire' | 'framewire+nack' | 'gstreamer+rtx';
  framesSent: number;
  framesComplete: number;
  overheadPercent?: number;
  latencyP99Ms?: number;
  packetsLost?: number;
  framesRecovered?: number;
}

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/resilience.md', import.meta.url));
const FPS = 30;
/** The receiver's latency budget for NACK: a few round trips at the largest RTT here. */
const LATENCY_MS = 400;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const framesArg = args.indexOf('--frames');
const FRAMES = framesArg >= 0 ? Number(args[framesArg + 1]) : quick ? 60 : 150;
if (!Number.isInteger(FRAMES) || FRAMES < 10) {
  process.stderr.write('resilience: --frames must be a whole number of at least 10\n');
  process.exit(2);
}

function network(c: Config, seed: number): unknown {
  const oneWay = `${c.rttMs / 2}ms`;
  const loss = c.model === 'random' ? { loss: c.loss } : { loss: c.loss, lossModel: 'gilbert-elliott', burst: 4 };
  return { network: { seed, ...loss, delay: oneWay, reverse: { delay: oneWay } } };
}

async function relay(dir: string, c: Config, to: number, seed: number): Promise<{ port: number; stop(): Promise<void> }> {
  const file = join(dir, 'network.json');
  await writeFile(file, JSON.stringify(network(c, seed)));
  const port = await freeUdpPort();
  const child = Child.start(process.execPath, [FRAMEWIRE_BIN, 'netsim', '--listen', `127.0.0.1:${port}`, '--to',
    `127.0.0.1:${to}`, '--scenario', file], { timeoutMs: 300_000 });
  await child.waitFor('relaying');
  return { port, stop: async () => { child.signal('SIGINT'); await child.succeeded(); } };
}

/** framewire receive <- netsim <- framewire send, muxed RTCP through the relay, so feedback crosses the same delay. */
async function framewireRun(c: Config, nack: boolean, seed: number): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-resilience-'));
  try {
    const port = await freeUdpPort();
    const report = join(dir, 'receiver.json');
    const receiver = Child.start(process.execPath, [FRAMEWIRE_BIN, 'receive', '--listen', `127.0.0.1:${port}`, '--size', c.size,
      '--rtcp-mux', '--latency', String(nack ? LATENCY_MS : 10), '--timeout', '60', '--report', report, ...(nack ? ['--nack'] : [])],
    { timeoutMs: 300_000 });
    await receiver.waitFor('framewire receive:');
    const r = await relay(dir, c, port, seed);
    const senderReport = join(dir, 'sender.json');
    const sender = Child.start(process.execPath, [FRAMEWIRE_BIN, 'send', '--to', `127.0.0.1:${r.port}`, '--size', c.size,
      '--fps', String(FPS), '--frames', String(FRAMES), '--source', 'pattern:ball', '--rtcp-mux', '--report', senderReport,
      ...(nack ? ['--rtx'] : [])], { timeoutMs: 300_000 });
    await sender.succeeded();
    // What has not arrived within the latency budget (plus the round trip) after the last send is not coming.
    await new Promise((resolve) => setTimeout(resolve, LATENCY_MS + c.rttMs + 300));
    receiver.signal('SIGINT');
    await receiver.succeeded();
    await r.stop();
    const rx = JSON.parse(await readFile(report, 'utf8'));
    const tx = JSON.parse(await readFile(senderReport, 'utf8'));
    return {
      engine: nack ? 'framewire+nack' : 'framewire',
      framesSent: tx.framesSent,
      framesComplete: rx.framesComplete - rx.framesCorrupt,
      overheadPercent: tx.rtx?.overheadPercent ?? 0,
      latencyP99Ms: rx.latencyMs?.p99,
      packetsLost: rx.rtcp?.cumulativeLost,
      framesRecovered: rx.nack?.framesRecovered,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How long gst-launch -e gets to finish after SIGINT before it is killed. */
const EOS_GRACE_MS = 5_000;

const GST_CAPS = (w: number, h: number) => 'application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)RAW,' +
  `sampling=(string)RGB,depth=(string)8,width=(string)${w},height=(string)${h},colorimetry=(string)BT601-5,payload=(int)96`;
const PT_MAP = 'payload-type-map=application/x-rtp-pt-map,96=(uint)97';

/** GStreamer's tuned RTX pipeline both ends (../shared/peers/gstreamer-resilience), media through the same relay. */
async function gstreamerRun(c: Config, seed: number): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-resilience-gst-'));
  const [w, h] = c.size.split('x').map(Number) as [number, number];
  const caps = `video/x-raw,format=RGB,width=${w},height=${h},framerate=${FPS}/1`;
  try {
    const reference = join(dir, 'reference.raw');
    const ref = Child.start('gst-launch-1.0', ['-q', 'videotestsrc', `num-buffers=${FRAMES}`, 'pattern=ball', '!', caps, '!',
      'filesink', `location=${reference}`], { timeoutMs: 120_000 });
    await ref.succeeded();
    const media = await freeUdpPort();
    const rxRtcp = await freeUdpPort();
    const txRtcp = await freeUdpPort();
    const out = join(dir, 'out.raw');
    const latency = LATENCY_MS + c.rttMs;
    const receiver = Child.start('gst-launch-1.0', ['-e', 'rtpsession', 'name=r', 'rtp-profile=avpf', 'rtcp-min-interval=20000000',
      'udpsrc', `port=${media}`, 'address=127.0.0.1', `buffer-size=${32 << 20}`, `caps=${GST_CAPS(w, h)}`, '!', 'r.recv_rtp_sink',
      'r.recv_rtp_src', '!', 'rtprtxreceive', PT_MAP, '!', 'rtpssrcdemux', '!',
      'rtpjitterbuffer', `latency=${latency}`, 'do-retransmission=true', `rtx-retry-period=${Math.round(latency * 0.9)}`, '!',
      'rtpvrawdepay', '!', `video/x-raw,format=RGB,width=${w},height=${h}`, '!', 'filesink', `location=${out}`,
      'r.send_rtcp_src', '!', 'udpsink', 'host=127.0.0.1', `port=${txRtcp}`, 'sync=false', 'async=false',
      'udpsrc', `port=${rxRtcp}`, 'address=127.0.0.1', '!', 'r.recv_rtcp_sink'], { timeoutMs: 300_000 });
    const r = await relay(dir, c, media, seed);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sender = Child.start('gst-launch-1.0', ['-e', 'rtpsession', 'name=s', 'rtp-profile=avpf', 'rtcp-min-interval=20000000',
      'videotestsrc', `num-buffers=${FRAMES}`, 'pattern=ball', '!', caps, '!', 'rtpvrawpay', 'pt=96', '!',
      'rtprtxsend', PT_MAP, 'max-size-time=2000', 'max-size-packets=0', '!', 's.send_rtp_sink',
      's.send_rtp_src', '!', 'udpsink', 'host=127.0.0.1', `port=${r.port}`, `buffer-size=${32 << 20}`,
      'udpsrc', `port=${txRtcp}`, 'address=127.0.0.1', '!', 's.recv_rtcp_sink',
      's.send_rtcp_src', '!', 'udpsink', 'host=127.0.0.1', `port=${rxRtcp}`, 'sync=false', 'async=false'], { timeoutMs: 300_000 });
    // The live RTCP source never ends, so the pipeline may not either: EOS it once the frames have had their time.
    const due = (FRAMES / FPS) * 1000 + 3000;
    await Promise.race([sender.exited, new Promise((resolve) => setTimeout(resolve, due))]);
    // Its frames are out by now; an EOS that hangs in the RTCP part (seen: 300 s) must not hold the run.
    await sender.interrupt(EOS_GRACE_MS);
    await new Promise((resolve) => setTimeout(resolve, latency + 1500));
    // filesink has written every frame it got as it went: a hung EOS loses nothing that counts.
    await receiver.interrupt(EOS_GRACE_MS);
    await r.stop();
    const frameBytes = w * h * 3;
    const expected = await readFile(reference);
    const wanted = new Set<string>();
    for (let i = 0; i < expected.length / frameBytes; i++) wanted.add(expected.subarray(i * frameBytes, (i + 1) * frameBytes).toString('base64'));
    // Frame by frame: the receiver can write far more than it was sent (2.4 GB at 720p with 2% loss, more than one
    // Buffer holds), and only whole, matching frames count.
    let complete = 0;
    const file = await open(out);
    try {
      const frame = Buffer.alloc(frameBytes);
      while ((await file.read(frame, 0, frameBytes, null)).bytesRead === frameBytes) {
        if (wanted.delete(frame.toString('base64'))) complete++;
      }
    } finally {
      await file.close();
    }
    return { engine: 'gstreamer+rtx', framesSent: FRAMES, framesComplete: complete };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function configs(): Config[] {
  const out: Config[] = [];
  const sizes = quick ? ['640x480'] : ['640x480', '1280x720'];
  const losses = quick ? ['2%'] : ['0.5%', '1%', '2%', '5%'];
  const rtts = quick ? [40] : [10, 40, 100];
  for (const size of sizes) for (const model of ['random', 'bursty'] as const) {
    for (const loss of losses) for (const rttMs of rtts) out.push({ size, loss, model, rttMs });
  }
  return out;
}

function pct(o: Outcome): string {
  return `${o.framesComplete}/${o.framesSent}`;
}

function row(c: Config, outcomes: Outcome[]): string {
  const by = (e: Outcome['engine']) => outcomes.find((o) => o.engine === e);
  const off = by('framewire');
  const on = by('framewire+nack');
  const gst = by('gstreamer+rtx');
  const ms = (v?: number) => (v === undefined ? 'n/a' : v.toFixed(1));
  return `| ${c.size} | ${c.loss} ${c.model} | ${c.rttMs} | ${off ? pct(off) : 'n/a'} | ${on ? pct(on) : 'n/a'} | ` +
    `${on?.overheadPercent?.toFixed(1) ?? 'n/a'}% | ${ms(off?.latencyP99Ms)} | ${ms(on?.latencyP99Ms)} | ${gst ? pct(gst) : 'n/a'} |`;
}

const machine = describeMachine(await gstreamerVersion());
process.stderr.write(`resilience: ${machineLine(machine)}; ${FRAMES} frames at ${FPS} fps per run\n`);
const results: Array<{ config: Config; outcomes: Outcome[] }> = [];
for (const [i, c] of configs().entries()) {
  const seed = 1000 + i;
  const outcomes: Outcome[] = [];
  for (const run of [() => framewireRun(c, false, seed), () => framewireRun(c, true, seed), () => gstreamerRun(c, seed)]) {
    try {
      outcomes.push(await run());
    } catch (err) {
      process.stderr.write(`resilience: ${JSON.stringify(c)}: ${(err as Error).message.split('\n')[0]}\n`);
    }
  }
  results.push({ config: c, outcomes });
  process.stderr.write(`${row(c, outcomes)}\n`);
}
const header = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine(machine)}; ${FRAMES} frames of pattern:ball at ${FPS} fps per run,`,
  `loss forward only (bursty: Gilbert-Elliott, mean burst 4), the delay split evenly both ways; NACK with a ${LATENCY_MS} ms`,
  'latency budget. Frames complete = whole and pixel-exact. Overhead = RTX bytes / media bytes.',
  '',
  '| size | loss | RTT ms | framewire | framewire + NACK | RTX overhead | p99 latency ms | p99 with NACK | GStreamer tuned RTX |',
  '|---|---|--:|--:|--:|--:|--:|--:|--:|',
];
const table = [...header, ...results.map((r) => row(r.config, r.outcomes))].join('\n');
await writeFile(join(RESULTS, `resilience${quick ? '-quick' : ''}.json`), `${JSON.stringify({ machine, frames: FRAMES, results }, null, 2)}\n`);
await writeFile(join(RESULTS, `resilience${quick ? '-quick' : ''}.md`), `${table}\n`);
if (!quick) {
  const page = await readFile(DOCS, 'utf8');
  const start = page.indexOf('<!-- resilience:table -->');
  const end = page.indexOf('<!-- /resilience:table -->');
  if (start >= 0 && end > start) await writeFile(DOCS, `${page.slice(0, start)}<!-- resilience:table -->\n${table}\n${page.slice(end)}`);
}
process.stdout.write(`${table}\n`);
