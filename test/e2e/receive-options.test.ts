import { expect } from 'chai';
import { until } from '../support/until.js';
import dgram from 'node:dgram';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { framewire } from '../support/cli.js';
import { freeUdpPort } from '../support/ports.js';
import { finished, interrupt, killLeftoverPeers, startFramewirePeer, startFramewireReceiver, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { createStreamWriter, packetBytes, payloadFormat, type OutgoingPackets } from '../../src/rtp/index.js';
import { Receiver, type FrameRecord } from '../../src/transport/receiver.js';
import { createPatternSource } from '../../src/sources/pattern.js';
import type { Sink } from '../../src/sinks/sink.js';

/** Each packet of a frame as one datagram. */
function datagramsOf(packets: OutgoingPackets): Buffer[] {
  return Array.from({ length: packets.count }, (_, i) => packetBytes(packets, i));
}

/** A sink that records whether each frame it was given was complete. */
function countingSink(): Sink & { written: boolean[] } {
  const written: boolean[] = [];
  return {
    description: 'count', dropped: 0, written,
    write: (_frame, info) => { written.push(info.complete); },
    close: async () => undefined,
  };
}

describe('e2e: receive options', function () {
  this.timeout(30_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('receive-options')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  it('--sdp takes port, size and format from the SDP that send wrote', async () => {
    const sdp = path.join(dir, 'stream.sdp');
    const port = await freeUdpPort();
    const stream = ['--size', '320x240', '--format', 'uyvy', '--to', `127.0.0.1:${port}`, '--ssrc', '7'];
    const first = await framewire(['send', ...stream, '--frames', '1', '--sdp', sdp]);
    expect(first.code, first.stderr).to.equal(0);

    const reportFile = path.join(dir, 'report.json');
    // No --listen: the SDP's connection line and port say where to listen.
    const peer = startFramewirePeer(['receive', '--sdp', sdp, '--frames', '10', '--timeout', '5', '--report', reportFile]);
    await waitForStderr(peer, /framewire receive: /);
    expect(peer.output()).to.include(`127.0.0.1:${port} 320x240 uyvy`);
    const sent = await framewire(['send', ...stream, '--frames', '10', '--fps', 'max']);
    expect(sent.code, sent.stderr).to.equal(0);
    const received = await finished(peer, 10_000);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report).to.include({ framesComplete: 10, framesCorrupt: 0, packetsMalformed: 0 });
  });

  it('reports the ST 2110-21 timing of the stream and of each frame, and leaves it out with --no-timing', async function () {
    this.timeout(90_000); // two receiver and sender runs
    for (const timing of [true, false]) {
      const reportFile = path.join(dir, `report-${timing}.json`);
      const { peer, port } = await startFramewireReceiver([
        '--frames', '8', '--timeout', '10', '--report', reportFile, ...(timing ? [] : ['--no-timing']),
      ]);
      const sent = await framewire(['send', '--to', `127.0.0.1:${port}`, '--frames', '12', '--fps', '30']);
      expect(sent.code, sent.stderr).to.equal(0);
      const received = await finished(peer, 15_000);
      expect(received.code, received.stderr).to.equal(0);
      const report = JSON.parse(await readFile(reportFile, 'utf8'));
      const records = (await readFile(path.join(dir, `report-${timing}.frames.jsonl`), 'utf8')).split('\n')
        .flatMap((line) => (line ? [JSON.parse(line) as FrameRecord] : []));
      if (timing) {
        expect(received.stderr).to.match(/timing \(ST 2110-21\) (narrow|wide|non-conformant) over \d+ frames/);
        expect(report.timing).to.include({ clock: 'kernel', fpsFrom: 'rtp', packetsPerFrame: 44 });
        expect(report.timing.framesAnalyzed).to.be.at.least(1);
        const timed = records.filter((r) => r.timing);
        expect(timed.length).to.be.within(1, report.timing.framesAnalyzed);
        expect(timed[0]!.timing).to.include({ packets: 44 });
      } else {
        expect(received.stderr).to.not.include('timing');
        expect(report).to.not.have.property('timing');
        expect(records.filter((r) => r.timing)).to.have.length(0);
      }
    }
  });

  it('--sdp with --size is a usage error naming --size', async () => {
    const sdp = path.join(dir, 'stream.sdp');
    await framewire(['send', '--frames', '1', '--sdp', sdp, '--to', `127.0.0.1:${await freeUdpPort()}`]);
    const r = await framewire(['receive', '--sdp', sdp, '--size', '640x480']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--size: conflicts with --sdp/);
  });

  it('ends on SIGINT with exit 0 and the report written', async () => {
    const reportFile = path.join(dir, 'report.json');
    const { peer, port } = await startFramewireReceiver(['--report', reportFile]);
    const sent = await framewire(['send', '--frames', '12', '--fps', 'max', '--to', `127.0.0.1:${port}`]);
    expect(sent.code, sent.stderr).to.equal(0);
    const received = await interrupt(peer);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report).to.include({ framesComplete: 12, endReason: 'stopped' });
  });

  it('ends after --timeout seconds with no packets and reports that nothing came', async () => {
    const reportFile = path.join(dir, 'report.json');
    const r = await framewire(['receive', '--listen', '127.0.0.1:0', '--timeout', '0.3', '--report', reportFile]);
    expect(r.code, r.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report).to.include({ framesComplete: 0, packetsReceived: 0, endReason: 'timeout' });
    expect(report).to.include({ framesLogged: 0, framesLogDropped: 0 });
    expect(await readFile(report.framesLog, 'utf8')).to.equal('');
  });

  describe('Receiver with packets withheld', () => {
    /** Sends `frames` pattern frames to the receiver, skipping packet `skip` of every frame. */
    async function sendWithHole(port: number, frames: number, skip: number): Promise<void> {
      const source = await createPatternSource('smpte', { width: 160, height: 120, format: 'rgb24' });
      const writer = createStreamWriter(payloadFormat('rtp'), source.geometry, { mtu: 1400 });
      const socket = dgram.createSocket('udp4');
      let n = 0;
      for await (const frame of source) {
        const packets = datagramsOf(writer.write(frame));
        for (const [i, p] of packets.entries()) {
          if (i !== skip) await new Promise((resolve) => socket.send(p, port, '127.0.0.1', resolve));
        }
        if (++n === frames) break;
      }
      socket.close();
      await source.close();
    }

    for (const partial of [false, true]) {
      it(`counts incomplete frames and ${partial ? 'hands them to sinks with --partial' : 'keeps them from sinks'}`, async () => {
        const sink = countingSink();
        const records: FrameRecord[] = [];
        const receiver = await Receiver.open({
          listen: { host: '127.0.0.1', port: 0 }, geometry: { width: 160, height: 120, format: 'rgb24' }, wire: 'rtp',
          sinks: [sink], timeoutSec: 0.5, partial, onFrame: (r) => records.push(r),
        });
        await sendWithHole(receiver.address.port, 6, 3);
        const report = await receiver.done;
        expect(report.framesComplete).to.equal(0);
        expect(report.framesIncomplete).to.equal(6);
        expect(report.packetsLost).to.equal(6);
        expect(records.every((f) => !f.complete && f.bytesMissing > 0)).to.equal(true);
        expect(sink.written).to.deep.equal(partial ? [false, false, false, false, false, false] : []);
      });
    }
  });

  describe('the latency budget (--latency)', () => {
    const geometry = { width: 160, height: 120, format: 'rgb24' } as const;
    const opened: Array<() => unknown> = [];
    // A test that fails mid-way must not leave a socket open: mocha would wait on it forever.
    afterEach(async () => {
      for (const close of opened.splice(0)) await close();
    });

    /** Frames 0 and 1 as datagrams (the last packet of each lies far below the stamp), and a socket to send from. */
    async function twoFrames() {
      const source = await createPatternSource('smpte', geometry);
      const writer = createStreamWriter(payloadFormat('rtp'), geometry, { mtu: 1400 });
      const frames: Buffer[][] = [];
      for await (const frame of source) {
        frames.push(datagramsOf(writer.write(frame)));
        if (frames.length === 2) break;
      }
      await source.close();
      const socket = dgram.createSocket('udp4');
      opened.push(() => socket.close());
      const send = (port: number, packets: Buffer[]) => Promise.all(packets.map((p) =>
        new Promise((resolve) => socket.send(p, port, '127.0.0.1', resolve))));
      return { frames, send };
    }

    it('gives up a frame on time with no later packet to prompt it, and counts what comes after as late', async () => {
      const records: FrameRecord[] = [];
      const receiver = await Receiver.open({
        listen: { host: '127.0.0.1', port: 0 }, geometry, wire: 'rtp', latencyMs: 50, onFrame: (r) => records.push(r),
      });
      opened.push(() => { receiver.stop(); return receiver.done; });
      const { frames, send } = await twoFrames();
      await send(receiver.address.port, frames[0]!.slice(0, -1));
      await send(receiver.address.port, frames[1]!);
      // Frame 1 is whole at once; frame 0 waits 50 ms for its missing packet, then the receiver's timer gives it up.
      await until(() => records.length === 2, () => `2 frames handed over, got ${JSON.stringify(records)}`);
      expect(records.map((r) => [r.index, r.complete])).to.deep.equal([[1, true], [0, false]]);
      await send(receiver.address.port, [frames[0]!.at(-1)!]);
      await until(() => receiver.progress().packetsReceived === frames[0]!.length + frames[1]!.length, () => 'the straggler');
      receiver.stop();
      const report = await receiver.done;
      expect(report).to.include({ framesComplete: 1, framesIncomplete: 1, packetsLate: 1, packetsLost: 0 });
    });

    it('lets a packet that comes within the budget complete its frame, which is not late', async () => {
      const records: FrameRecord[] = [];
      const receiver = await Receiver.open({
        listen: { host: '127.0.0.1', port: 0 }, geometry, wire: 'rtp', latencyMs: 5_000, onFrame: (r) => records.push(r),
      });
      opened.push(() => { receiver.stop(); return receiver.done; });
      const { frames, send } = await twoFrames();
      await send(receiver.address.port, frames[0]!.slice(0, -1));
      await send(receiver.address.port, frames[1]!);
      await send(receiver.address.port, [frames[0]!.at(-1)!]);
      await until(() => records.length === 2, () => `2 frames handed over, got ${JSON.stringify(records)}`);
      receiver.stop();
      const report = await receiver.done;
      expect(records.map((r) => [r.index, r.complete, r.intact])).to.deep.equal([[1, true, true], [0, true, true]]);
      expect(report).to.include({ framesComplete: 2, framesIncomplete: 0, packetsLate: 0, packetsLost: 0 });
    });
  });

  it('counts a whole frame whose pixels were changed on the way as corrupt, and still hands it to sinks', async () => {
    const geometry = { width: 160, height: 120, format: 'rgb24' } as const;
    const source = await createPatternSource('smpte', geometry);
    const writer = createStreamWriter(payloadFormat('rtp'), geometry, { mtu: 1400 });
    const sink = countingSink();
    const records: FrameRecord[] = [];
    const receiver = await Receiver.open({
      listen: { host: '127.0.0.1', port: 0 }, geometry, wire: 'rtp', sinks: [sink], frames: 3, onFrame: (r) => records.push(r),
    });
    const socket = dgram.createSocket('udp4');
    let n = 0;
    for await (const frame of source) {
      const packets = datagramsOf(writer.write(frame));
      // Frame 1 loses nothing, but one pixel byte near its bottom (far below the stamp) is flipped.
      if (n === 1) packets.at(-1)![packets.at(-1)!.length - 1]! ^= 0x01;
      for (const p of packets) await new Promise((resolve) => socket.send(p, receiver.address.port, '127.0.0.1', resolve));
      if (++n === 3) break;
    }
    socket.close();
    await source.close();
    const report = await receiver.done;
    expect(report).to.include({ framesComplete: 3, framesCorrupt: 1, packetsLost: 0, packetsMalformed: 0 });
    expect(records.map((f) => [f.index, f.complete, f.intact])).to.deep.equal([[0, true, true], [1, true, false], [2, true, true]]);
    expect(records[1]!.latencyMs).to.be.a('number');
    expect(sink.written).to.deep.equal([true, true, true]);
  });

  it('counts a sink that throws and keeps receiving for the other sinks', async () => {
    const written: boolean[] = [];
    const counting: Sink = {
      description: 'count', dropped: 0, write: (_f, info) => { written.push(info.complete); }, close: async () => undefined,
    };
    const broken: Sink = {
      description: 'broken', dropped: 0, write: () => { throw new Error('disk full'); }, close: async () => undefined,
    };
    const receiver = await Receiver.open({
      listen: { host: '127.0.0.1', port: 0 }, geometry: { width: 160, height: 120, format: 'rgb24' }, wire: 'rtp',
      sinks: [broken, counting], frames: 4,
    });
    const sent = await framewire(['send', '--frames', '4', '--fps', '100', '--to', `127.0.0.1:${receiver.address.port}`]);
    expect(sent.code, sent.stderr).to.equal(0);
    const report = await receiver.done;
    expect(written).to.deep.equal([true, true, true, true]);
    expect(report.sinkErrors).to.deep.equal({ broken: { count: 4, first: 'disk full' } });
  });

  it('png sink names files by the stamped index', async () => {
    const reportFile = path.join(dir, 'report.json');
    const args = ['--frames', '5', '--timeout', '5', '--sink', `png:${dir}/png`, '--report', reportFile];
    const { peer, port } = await startFramewireReceiver(args);
    await framewire(['send', '--frames', '5', '--fps', '100', '--to', `127.0.0.1:${port}`, '--source', 'pattern:ball']);
    expect((await finished(peer, 10_000)).code).to.equal(0);
    // A burst of 5 frames fits the sink's queue: none may be dropped, whatever the encoder's speed.
    expect(JSON.parse(await readFile(reportFile, 'utf8')).sinkDrops).to.deep.equal({ [`png:${dir}/png`]: 0 });
    expect((await readdir(path.join(dir, 'png'))).sort()).to.deep.equal(
      [0, 1, 2, 3, 4].map((i) => `frame-${String(i).padStart(6, '0')}.png`),
    );
  });
});
