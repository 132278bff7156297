import dgram from 'node:dgram';
import { expect } from 'chai';
import { parseTimeUsage } from '../../../bench/child.js';
import { parseExecutionSec, sinkLine } from '../../../bench/gstreamer-row.js';
import { engineEnv, framewireResult, type ReceiverJson, type SenderJson } from '../../../bench/framewire-row.js';
import { BYTE_DATAGRAM_BYTES, PACKET_DATAGRAM_BYTES, parseIperf } from '../../../bench/iperf.js';
import { growth } from '../../../bench/memory-row.js';
import { parseUdpSocket, parseVmRssMb, udpSocket } from '../../../bench/proc.js';
import { median, summarize } from '../../../bench/stats.js';

const PROC_NET_UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  112: 0100007F:B3B2 00000000:0000 07 00000000:0001A400 00:00000000 00000000     0        0 123 2 0000000000000000 17
  113: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 124 2 0000000000000000 0
`;

describe('bench: reading what the tools and the kernel report', () => {
  it('finds a UDP socket by port in /proc/net/udp: queued bytes and drops', () => {
    expect(parseUdpSocket(PROC_NET_UDP, 46002)).to.deep.equal({ rxQueueBytes: 0x1a400, drops: 17 });
    expect(parseUdpSocket(PROC_NET_UDP, 8080)).to.deep.equal({ rxQueueBytes: 0, drops: 0 });
    expect(parseUdpSocket(PROC_NET_UDP, 5004)).to.equal(undefined);
  });

  it('sees a real bound socket in /proc/net/udp, and not once it is closed', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    expect(await udpSocket(port)).to.deep.equal({ rxQueueBytes: 0, drops: 0 });
    await new Promise<void>((resolve) => socket.close(resolve));
    expect(await udpSocket(port)).to.equal(undefined);
  });

  it('reads VmRSS from /proc/PID/status', () => {
    expect(parseVmRssMb('Name:\tnode\nVmRSS:\t  102400 kB\n')).to.equal(100);
    expect(parseVmRssMb('Name:\tkthreadd\n')).to.equal(undefined);
  });

  it('reads /usr/bin/time output, also after a non-zero exit', () => {
    expect(parseTimeUsage('0.50 0.25 20480 3.10\n')).to.deep.equal({ cpuSec: 0.75, peakRssMb: 20, wallSec: 3.1 });
    expect(parseTimeUsage('Command terminated by signal 2\n1.00 0.00 1024 2.00\n').cpuSec).to.equal(1);
    expect(() => parseTimeUsage('')).to.throw(/time output/);
  });

  it("takes GStreamer's sender seconds from 'Execution ended after'", () => {
    expect(parseExecutionSec('Got EOS\nExecution ended after 0:01:02.500000000\n')).to.equal(62.5);
    expect(parseExecutionSec('ERROR: pipeline doesn\'t want to preroll.')).to.equal(undefined);
  });

  it('tells frames GStreamer flagged DISCONT (after a sequence gap) from clean ones', () => {
    const line = (flags: string) => '/GstPipeline:pipeline0/GstFakeSink:fakesink0: last-message = chain   ******* ' +
      `(fakesink0:sink) (921600 bytes, dts: 0:00:00.686451889, pts: 0:00:00.686451889, duration: none, offset: -1, ` +
      `offset_end: -1, flags: ${flags} , meta: none) 0x55cff90ea7e0`;
    expect(sinkLine(line('00000000'))).to.equal('frame');
    expect(sinkLine(line('00000040 discont'))).to.equal('discont-frame');
    expect(sinkLine(line('00004040 discont tag-memory'))).to.equal('discont-frame');
    expect(sinkLine('/GstPipeline:pipeline0/GstFakeSink:fakesink0: last-message = event   ******* (fakesink0:sink) E (type: eos')).to.equal(undefined);
  });

  it("reads iperf3's UDP summary, as a packet rate and a byte rate, and refuses a report without one", () => {
    const c = parseIperf(JSON.stringify({ end: { sum: { packets: 900_000, lost_packets: 9000, seconds: 3, lost_percent: 1 } } }), PACKET_DATAGRAM_BYTES);
    expect(c.sentPerSec).to.equal(300_000);
    expect(c.receivedPerSec).to.equal(297_000);
    expect(c.receivedGbps).to.be.closeTo((297_000 * 1372 * 8) / 1e9, 1e-9);
    const big = parseIperf(JSON.stringify({ end: { sum: { packets: 360_000, lost_packets: 0, seconds: 3 } } }), BYTE_DATAGRAM_BYTES);
    expect(big).to.include({ datagramBytes: 63_000, lostPct: 0 });
    expect(big.receivedGbps).to.be.closeTo(60.48, 1e-9);
    expect(() => parseIperf(JSON.stringify({ error: 'unable to connect' }), PACKET_DATAGRAM_BYTES)).to.throw(/unable to connect/);
  });
});

describe("bench: framewire's engines and reports", () => {
  it('sets or removes FRAMEWIRE_GSO and FRAMEWIRE_NATIVE per engine, whatever the caller had', () => {
    const base = { PATH: '/bin', FRAMEWIRE_GSO: '0', FRAMEWIRE_NATIVE: '0' };
    expect(engineEnv('framewire', base)).to.deep.equal({ PATH: '/bin' });
    expect(engineEnv('framewire-sendmmsg', base)).to.deep.equal({ PATH: '/bin', FRAMEWIRE_GSO: '0' });
    expect(engineEnv('framewire-js', { PATH: '/bin', FRAMEWIRE_GSO: '1' })).to.deep.equal({ PATH: '/bin', FRAMEWIRE_NATIVE: '0' });
  });

  const usage = (cpuSec: number) => ({ cpuUserSec: cpuSec / 2, cpuSystemSec: cpuSec / 2, peakRssMb: 150 });
  const receiver: ReceiverJson = {
    framesComplete: 1199, packetsReceived: 22_130_000, packetsLost: 10, bytesReceived: 30_000_000_000,
    gro: { datagrams: 22_000_000, buffers: 1_100_000 }, usage: usage(17),
  };

  it('takes a paced run: CPU % of a core from the start line on, pacing lateness, send path and GRO counts', () => {
    const sender: SenderJson = {
      framesSent: 1200, durationSec: 20, sendPath: 'gso',
      pacing: { latenessUs: { p50: 3, p99: 40, max: 900 }, framesDelayed: 2 }, usage: usage(15),
    };
    const run = framewireResult(sender, receiver, { wallSec: 20, senderCpuSec: 1, receiverCpuSec: 0.5 });
    expect(run).to.deep.include({
      framesSent: 1200, framesComplete: 1199, senderCpuPct: 70, receiverCpuPct: 82.5, sendPath: 'gso',
      latenessP50Us: 3, latenessP99Us: 40, latenessMaxUs: 900, framesDelayed: 2, groDatagrams: 22_000_000, groBuffers: 1_100_000,
    });
    expect(run.deliveredFps).to.be.closeTo(59.95, 1e-9);
    expect(run.mbps).to.equal(12_000);
  });

  it('a burst run has no pacing numbers, a receiver without GRO no GRO counts, an unread start no CPU %', () => {
    const sender: SenderJson = { framesSent: 300, durationSec: 3, sendPath: 'sendmmsg', pacing: { framesDelayed: 0 }, usage: usage(3) };
    const run = framewireResult(sender, { ...receiver, gro: undefined }, { wallSec: 3, senderCpuSec: undefined, receiverCpuSec: 1 });
    for (const key of ['framesDelayed', 'latenessP50Us', 'groDatagrams', 'groBuffers', 'senderCpuPct'] as const) {
      expect(run[key], key).to.equal(undefined);
    }
    expect(run.receiverCpuPct).to.be.closeTo(533.33, 0.01);
  });
});

describe('bench: statistics', () => {
  it('gives the median of odd and even counts and the spread', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    const s = summarize([90, 100, 110]);
    expect(s).to.include({ median: 100, min: 90, max: 110, n: 3 });
    expect(s.cvPct).to.be.closeTo(8.165, 0.001);
  });

  it('compares the first and last windows of RSS samples', () => {
    const samples = [...Array(60).keys()].map((i) => (i < 10 ? 50 : i >= 50 ? 80 : 60));
    expect(growth(samples)).to.deep.equal({ firstMb: 50, lastMb: 80, growthMb: 30, windowSamples: 10 });
    expect(growth([10, 20, 30]).windowSamples).to.equal(1);
  });
});
