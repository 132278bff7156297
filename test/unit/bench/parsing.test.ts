import dgram from 'node:dgram';
import { expect } from 'chai';
import { parseTimeUsage } from '../../../bench/child.js';
import { parseExecutionSec, sinkLine } from '../../../bench/gstreamer-row.js';
import { parseIperf } from '../../../bench/iperf.js';
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

  it("reads iperf3's UDP summary and refuses a report without one", () => {
    const c = parseIperf(JSON.stringify({ end: { sum: { packets: 900_000, lost_packets: 9000, seconds: 3, lost_percent: 1 } } }));
    expect(c.sentPerSec).to.equal(300_000);
    expect(c.receivedPerSec).to.equal(297_000);
    expect(() => parseIperf(JSON.stringify({ error: 'unable to connect' }))).to.throw(/unable to connect/);
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
