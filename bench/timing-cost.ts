/**
 * What the ST 2110-21 timing analysis costs the receive path, per packet, in-process: the same 160x120 rgb24 packets
 * (mtu 1400, the bench's headline row) through a ReceiveSession (header parse, RFC 4175 depayload, assembly) with and
 * without the TimingAnalysis feature, alternating, CPU time per packet. No sockets: the bench's fps rows on a shared
 * machine move by more than the difference (their CPU-loop noise is 10-20 %), and CPU time of the same work, taken
 * in turns, is what the difference is.
 *
 *   npx tsx bench/timing-cost.ts [--frames N] [--rounds N]
 */
import { parseArgs } from 'node:util';
import { frameBytes, type FrameGeometry } from '../src/frame.js';
import { createStreamWriter, packetBytes, payloadFormat } from '../src/rtp/index.js';
import { TimingAnalysis } from '../src/session/interceptors/timing-analysis.js';
import type { ReceiveInterceptor } from '../src/session/interceptor.js';
import { ReceiveSession } from '../src/session/receive-session.js';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' } } });
const FRAMES = Number(values.frames);
const ROUNDS = Number(values.rounds);
const geometry: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
const format = payloadFormat('rtp');
const writer = createStreamWriter(format, geometry, { mtu: 1400, ssrc: 7, initialSequence: 0 });
const written = writer.write({ ...geometry, data: Buffer.alloc(frameBytes(geometry), 0x80), index: 0, captureTimeUs: 0 });
const packets = Array.from({ length: written.count }, (_, i) => packetBytes(written, i));
const FPS = 1000;

/** CPU µs per packet to receive FRAMES frames through a session with `features`. */
function run(features: ReceiveInterceptor[]): number {
  let frames = 0;
  const session = new ReceiveSession(features, format, geometry, {}, { sendRtcp: () => undefined }, () => void frames++, 'bench');
  let sequence = 0;
  const start = process.cpuUsage();
  for (let f = 0; f < FRAMES; f++) {
    const timestamp = (f * 90) >>> 0; // 1000 fps on the 90 kHz clock
    const frameStartUs = 1.7e15 + (f * 1e6) / FPS;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      p.writeUInt16BE(sequence & 0xffff, 2);
      p.writeUInt32BE(timestamp, 4);
      p.writeUInt16BE(sequence >>> 16, 12); // RFC 4175's extended sequence number, the high 16 bits
      sequence++;
      session.packetIn(p, frameStartUs + (i * 1e6) / FPS / packets.length);
    }
  }
  const used = process.cpuUsage(start);
  if (frames < FRAMES - 1) throw new Error(`only ${frames} of ${FRAMES} frames assembled`);
  return (used.user + used.system) / (FRAMES * packets.length);
}

const without: number[] = [];
const withTiming: number[] = [];
run([]); // warm up both paths
run([new TimingAnalysis({})]);
for (let r = 0; r < ROUNDS; r++) {
  without.push(run([]));
  const timing = new TimingAnalysis({});
  withTiming.push(run([timing]));
  if (timing.report().framesAnalyzed < FRAMES - 2) throw new Error('the analyzer did not analyze the frames');
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const a = median(without);
const b = median(withTiming);
console.log(`160x120 rgb24, ${packets.length} packets a frame, ${FRAMES} frames x ${ROUNDS} rounds each way (median):`);
console.log(`  receive path without timing: ${(a * 1000).toFixed(0)} ns/packet`);
console.log(`  receive path with timing:    ${(b * 1000).toFixed(0)} ns/packet (${(((b - a) / a) * 100).toFixed(1)} %)`);
