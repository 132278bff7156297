import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runScenario } from '../../src/index.js';
import { buildRtcp } from '../../src/rtcp/rtcp-message.js';
import { freeUdpPort } from '../support/ports.js';
import { finished, interrupt, killLeftoverPeers, startFramewirePeer, startFramewireReceiver, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { seededRandom } from '../unit/rtp/helpers.js';

/** 2% random loss forward, 10 ms each way: a 20 ms round trip for RTCP and NACKs too. */
const NETWORK = { network: { seed: 12, loss: '2%', delay: '10ms', reverse: { delay: '10ms' } } };

describe('e2e: RTCP, NACK and RTX between framewire processes through the relay', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('nack')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  /** receive <- netsim <- send, all real processes; returns both reports once the stream has ended. */
  async function stream(frames: number, nack: boolean) {
    const scenario = path.join(dir, 'network.json');
    await writeFile(scenario, JSON.stringify(NETWORK));
    const receiverReport = path.join(dir, `receiver-${nack}.json`);
    const senderReport = path.join(dir, `sender-${nack}.json`);
    // A latency budget far beyond the round trip: on a loaded machine the relay alone may hold a packet for 100 ms and
    // a retransmission may take several round trips (measured under two CPU hogs: round trip p50 52 ms, max 535 ms).
    // 320x240 keeps three processes' work small enough for two loaded cores, with 172 packets a frame.
    // With NACK every frame must come, so the receiver ends on the count; without, it is stopped once the stream is
    // over (its timeout is only a backstop, long enough for the other processes to start on a loaded machine).
    const { peer: receiver, port } = await startFramewireReceiver([
      '--size', '320x240', '--rtcp-mux', '--latency', '2000', '--timeout', '30', '--report', receiverReport,
      ...(nack ? ['--nack', '--frames', String(frames)] : []),
    ]);
    const relay = startFramewirePeer(['netsim', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${port}`, '--scenario', scenario]);
    const relayPort = Number((await waitForStderr(relay, /relaying 127\.0\.0\.1:(\d+)/))[1]);
    const sent = await finished(startFramewirePeer([
      'send', '--to', `127.0.0.1:${relayPort}`, '--size', '320x240', '--fps', '30', '--frames', String(frames),
      '--source', 'pattern:ball', '--rtcp-mux', '--report', senderReport, ...(nack ? ['--rtx'] : []),
    ]), 60_000);
    expect(sent.code, sent.stderr).to.equal(0);
    // Without NACK: what has not come within a second of the last send (10 ms of delay) is not coming.
    if (!nack) await sleep(1000).then(() => receiver.child.kill('SIGINT'));
    const received = await finished(receiver, 40_000);
    expect(received.code, received.stderr).to.equal(0);
    const relayed = await interrupt(relay);
    return {
      receiver: JSON.parse(await readFile(receiverReport, 'utf8')),
      sender: JSON.parse(await readFile(senderReport, 'utf8')),
      relay: relayed.stderr,
      output: sent.stderr + received.stderr + relayed.stderr,
    };
  }

  it('with --nack and --rtx every one of 300 frames arrives whole at 2% loss; without, almost none does', async () => {
    const on = await stream(300, true);
    expect(on.receiver, on.output).to.include({ framesComplete: 300, framesIncomplete: 0, framesCorrupt: 0 });
    expect(on.relay).to.match(/forward: received \d+, forwarded \d+, dropped [1-9]\d*/);
    // The receiver asked for what the network dropped, the sender answered, and the frames that needed it came whole.
    expect(on.receiver.nack.packetsRequested).to.be.greaterThan(0);
    expect(on.receiver.nack.framesRecovered).to.be.greaterThan(0);
    expect(on.sender.rtx.retransmitted).to.be.at.least(on.receiver.nack.packetsRequested);
    expect(on.receiver.rtx.received).to.be.greaterThan(0);
    // RTCP both ways: the sender's round trip comes from the receiver's reports and cannot beat the 20 ms of delay.
    expect(on.sender.rtcp.rttMs.p50).to.be.at.least(20).and.below(2000);
    expect(on.sender.rtcp.peer.cumulativeLost).to.be.greaterThan(0);
    expect(on.receiver.rtcp.peer.packetsSent).to.be.greaterThan(0);
    expect(on.output).to.match(/framewire receive: nack: \d+ packets asked for/).and.to.match(/framewire send: rtx: \d+ of \d+/);

    const off = await stream(60, false);
    // 320x240 frames are 172 packets: at 2% loss 97% of frames lose one, and without NACK it stays lost.
    expect(off.receiver.framesComplete, off.output).to.be.below(30);
    expect(off.receiver).to.not.have.property('nack');
  });

  it('a sender with --rtx counts hostile RTCP, bounds a NACK for every packet, and keeps sending', async () => {
    const rtcpPort = await freeUdpPort();
    const receiverReport = path.join(dir, 'receiver.json');
    const senderReport = path.join(dir, 'sender.json');
    const { peer: receiver, port } = await startFramewireReceiver(['--frames', '200', '--timeout', '5', '--report', receiverReport]);
    const sender = startFramewirePeer([
      'send', '--to', `127.0.0.1:${port}`, '--fps', '100', '--frames', '200', '--rtx', '--rtcp-listen', `127.0.0.1:${rtcpPort}`,
      '--ssrc', '777', '--report', senderReport,
    ]);
    await waitForStderr(sender, /framewire send: /);
    const attacker = createSocket('udp4');
    const random = seededRandom(5);
    const send = (d: Buffer) => new Promise((resolve) => attacker.send(d, rtcpPort, '127.0.0.1', resolve));
    for (let i = 0; i < 500; i++) {
      const d = Buffer.alloc(4 * Math.floor(random() * 50));
      for (let k = 0; k < d.length; k++) d[k] = Math.floor(random() * 256);
      if (d.length >= 4 && i % 2 === 0) { d[0] = 0x80; d[1] = 200 + (i % 7); } // looks like RTCP, lengths wrong
      await send(d);
    }
    // NACKs for every sequence number of the sender's stream, again and again.
    const everything = Array.from({ length: 65_536 }, (_, s) => s);
    for (let i = 0; i < 3; i++) {
      await send(buildRtcp({ ssrc: 1, blocks: [], cname: 'attacker', nacks: [{ senderSsrc: 1, mediaSsrc: 777, sequences: everything }] }));
    }
    const s = await finished(sender, 30_000);
    expect(s.code, s.stderr).to.equal(0);
    const r = await finished(receiver, 30_000);
    expect(r.code, r.stderr).to.equal(0);
    const stats = JSON.parse(await readFile(senderReport, 'utf8'));
    expect(stats.framesSent).to.equal(200);
    expect(stats.rtcp.malformed).to.be.at.least(400);
    expect(stats.featureErrors.count).to.equal(0);
    // Every request was looked at, and what went out again stayed within the budget: at most the media bytes sent
    // again plus a 256 KB burst, however many requests came.
    expect(stats.rtx.packetsRequested).to.equal(3 * 65_536);
    expect(stats.rtx.bytesRetransmitted).to.be.at.most(stats.bytesSent + 256 * 1024);
    expect(stats.rtx.notInHistory + stats.rtx.repeatedRequests + stats.rtx.rateLimited + stats.rtx.retransmitted)
      .to.equal(3 * 65_536);
    const receiverJson = JSON.parse(await readFile(receiverReport, 'utf8'));
    expect(receiverJson.framesComplete).to.equal(200);
    attacker.close();
  });

  it('gives the same loss and delivery map for the same seed with NACK on (runScenario)', async () => {
    const scenario = {
      name: 'nack determinism', source: 'pattern:ball', size: '320x240', fps: 30, frames: 60,
      network: { loss: '3%', lossModel: 'gilbert-elliott', burst: 3, delay: '5ms', reverse: { delay: '5ms' } },
      protection: { nack: true, latency: '300ms' },
    };
    const first = await runScenario(scenario, { seed: 21 });
    const second = await runScenario(scenario, { seed: 21 });
    for (const r of [first, second]) expect(r.network.lostOnHost, 'the machine dropped nothing itself').to.equal(0);
    // The media packets' fates come from the seed alone: RTX and RTCP travel side chains of their own.
    expect(second.network.forward.dropped).to.deep.equal(first.network.forward.dropped);
    expect(second.lossBursts).to.deep.equal(first.lossBursts);
    expect(second.nack!.packetsRequested).to.equal(first.nack!.packetsRequested);
    expect(second.frames.map((f) => f.fate)).to.deep.equal(first.frames.map((f) => f.fate));
    expect(first.framesRecovered).to.be.greaterThan(0);
    expect(first.deliveredRatio).to.equal(1);
  });
});
