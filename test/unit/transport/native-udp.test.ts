import { expect } from 'chai';
import { until } from '../../support/until.js';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import sinon from 'sinon';
import { nowUs, type Frame, type FrameGeometry } from '../../../src/frame.js';
import { createStreamReader, createStreamWriter, payloadFormat, type Wire } from '../../../src/rtp/index.js';
import type { Sink } from '../../../src/sinks/sink.js';
import type { Source } from '../../../src/sources/source.js';
import {
  bindNativeInput,
  connectNativeLink,
  loadNativeUdp,
  NATIVE_ADDON_PATH,
  NativeFrameLink,
} from '../../../src/transport/native-udp.js';
import { Receiver } from '../../../src/transport/receiver.js';
import { Sender } from '../../../src/transport/sender.js';
import { collector, makeFrame } from '../rtp/helpers.js';
import { envDuring, requireNativeAddon } from '../../support/native.js';

const addon = requireNativeAddon();

type PathEnv = { FRAMEWIRE_NATIVE?: '0'; FRAMEWIRE_GSO?: '0' };

/** Runs `body` with FRAMEWIRE_NATIVE and FRAMEWIRE_GSO as given (absent: unset, the defaults that use both). */
function withNative<T>(env: PathEnv | undefined, body: () => Promise<T>): Promise<T> {
  return envDuring({ FRAMEWIRE_NATIVE: env?.FRAMEWIRE_NATIVE, FRAMEWIRE_GSO: env?.FRAMEWIRE_GSO }, body);
}

function listSource(g: FrameGeometry, frames: Frame[]): Source {
  return {
    geometry: g,
    description: 'test frames',
    close: async () => undefined,
    async *[Symbol.asyncIterator]() {
      yield* frames;
    },
  };
}

/** Keeps a copy of every complete frame, since the receiver's buffers are only valid during write(). */
function keepingSink(): Sink & { frames: Buffer[] } {
  const frames: Buffer[] = [];
  return {
    description: 'keep',
    dropped: 0,
    frames,
    write: (f) => frames.push(Buffer.from(f.data)),
    close: async () => undefined,
  };
}

async function plainReceiver(): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  // The default (~200 KB) holds fewer packets than a few frames: the kernel would drop a burst.
  s.setRecvBufferSize(8 * 1024 * 1024);
  return s;
}

const paths = [
  { name: 'native with UDP GSO/GRO', env: undefined, sendPath: 'gso' },
  { name: 'native one datagram a message (FRAMEWIRE_GSO=0)', env: { FRAMEWIRE_GSO: '0' }, sendPath: 'sendmmsg' },
  { name: 'node:dgram (FRAMEWIRE_NATIVE=0)', env: { FRAMEWIRE_NATIVE: '0' }, sendPath: 'dgram' },
] as const;

describe('native UDP addon and its node:dgram fallback', () => {
  for (const path of paths) {
    describe(path.name, () => {
      for (const wire of ['rtp', 'raw'] as Wire[]) {
        it(`sends ${wire} frames pixel-exact to a plain dgram receiver`, async () => {
          const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
          const rx = await plainReceiver();
          const c = collector();
          const d = createStreamReader(payloadFormat(wire), g, c.onFrame);
          rx.on('message', (msg) => d.push(msg, Date.now() * 1000));
          const frames = [0, 1, 2, 3].map((i) => makeFrame(g, i));
          const stats = await withNative(path.env, async () => {
            const sender = await Sender.open(listSource(g, frames), {
              to: { host: '127.0.0.1', port: rx.address().port }, wire, mtu: 1400, fps: 'max',
            });
            return sender.run();
          });
          await until(() => c.received.length === frames.length, () => `${frames.length} frames, got ${c.received.length}`);
          rx.close();
          expect(stats.sendPath).to.equal(path.sendPath);
          expect(stats.sendErrors).to.equal(0);
          expect(stats.packetsSent).to.equal(d.stats.packetsReceived);
          expect(stats.bytesSent).to.equal(d.stats.bytesReceived);
          expect(c.received.map((r) => r.frame.data.equals(frames[r.frame.index]!.data))).to.deep.equal([
            true, true, true, true,
          ]);
        });
      }

      it('carries frames of hundreds of packets pixel-exact from Sender to Receiver', async () => {
        const g: FrameGeometry = { width: 640, height: 480, format: 'uyvy' };
        const frames = [0, 1, 2].map((i) => makeFrame(g, i));
        const sink = keepingSink();
        const report = await withNative(path.env, async () => {
          const receiver = await Receiver.open({
            listen: { host: '127.0.0.1', port: 0 }, geometry: g, wire: 'rtp', sinks: [sink], frames: frames.length,
          });
          const sender = await Sender.open(listSource(g, frames), {
            to: receiver.address, wire: 'rtp', mtu: 1400, fps: 'max',
          });
          const sent = await sender.run();
          expect(sent.sendPath).to.equal(path.sendPath);
          return receiver.done;
        });
        expect(report.endReason).to.equal('frames');
        expect(report.packetsLost).to.equal(0);
        // GSO runs stay one buffer all the way to a GRO receiver; the other paths read a datagram at a time.
        if (path.sendPath === 'gso') expect(report.gro?.buffers).to.be.greaterThan(0);
        else expect(report.gro).to.equal(undefined);
        expect(sink.frames.map((data, i) => data.equals(frames[i]!.data))).to.deep.equal([true, true, true]);
      });

      it('counts refused sends while nobody listens, and keeps going', async () => {
        const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };
        const closed = await plainReceiver();
        const port = closed.address().port;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        // A refusal is the kernel's ICMP port unreachable, and the kernel sends those under a global budget (1,000 a
        // second, bursts of 50, randomized), which the rest of the suite spends too: six frames sent in a few ms at
        // --fps max once found it empty and saw no refusal at all. Over 200 ms (12 frames at 60 fps) it refills.
        const frames = Array.from({ length: 12 }, (_, i) => makeFrame(g, i));
        const stats = await withNative(path.env, async () => {
          const sender = await Sender.open(listSource(g, frames), {
            to: { host: '127.0.0.1', port }, wire: 'rtp', mtu: 1400, fps: 60,
          });
          return sender.run();
        });
        expect(stats.framesSent).to.equal(frames.length);
        expect(stats.sendErrors).to.be.greaterThan(0);
      });
    });
  }

  it('finishes a frame whose sendmmsg stopped early (send buffer full), after yielding to the loop', async () => {
    const g: FrameGeometry = { width: 320, height: 240, format: 'rgb24' };
    const rx = await plainReceiver();
    const c = collector();
    const d = createStreamReader(payloadFormat('rtp'), g, c.onFrame);
    rx.on('message', (msg) => d.push(msg, Date.now() * 1000));
    // Loopback frees send-buffer space as it sends, so a full buffer cannot be provoked here: this addon sends
    // at most 7 packets a call and reports EAGAIN, as the real one does when SO_SNDBUF fills.
    const calls: number[] = [];
    const sendPackets: typeof addon.sendPackets = (fd, h, ho, data, po, from, segment, r) => {
      calls.push(from);
      const to = Math.min(from + 7, ho.length - 1);
      const next = addon.sendPackets(fd, h, ho.subarray(0, to + 1), data, po.subarray(0, to + 1), from, segment, r);
      r[1] = next < ho.length - 1 ? 11 /* EAGAIN */ : 0;
      return next;
    };
    // The addon's functions are read-only properties: shadow one on an object inheriting the rest.
    const stingy: typeof addon = Object.defineProperty(Object.create(addon), 'sendPackets', { value: sendPackets });
    const link = new NativeFrameLink(stingy, addon.connect('127.0.0.1', rx.address().port, false, 1 << 20));
    const p = createStreamWriter(payloadFormat('rtp'), g, { mtu: 1400 });
    const frames = [0, 1].map((i) => makeFrame(g, i));
    for (const f of frames) expect(await link.sendFrame(p.write(f))).to.equal(0);
    await link.close();
    await until(() => c.received.length === frames.length, () => `${frames.length} frames, got ${c.received.length}`);
    rx.close();
    expect(calls.length).to.equal(2 * Math.ceil(p.write(frames[0]!).count / 7));
    expect(c.received.map((r) => r.frame.data.equals(frames[r.frame.index]!.data))).to.deep.equal([true, true]);
  });

  it('rejects packet tables that point outside their buffers instead of reading past them', () => {
    const fd = addon.connect('127.0.0.1', 9, false, 1 << 16);
    try {
      const result = new Int32Array(3);
      const send = (headerOffsets: number[], payloadOffsets: number[]) => () =>
        addon.sendPackets(fd, Buffer.alloc(8), Uint32Array.from(headerOffsets), Buffer.alloc(100),
          Uint32Array.from(payloadOffsets), 0, true, result);
      expect(send([0, 9], [0, 100])).to.throw(RangeError, /outside/);
      expect(send([0, 8], [0, 101])).to.throw(RangeError, /outside/);
      expect(send([0, 8, 4], [0, 50, 100])).to.throw(RangeError, /outside/);
      expect(send([0, 8], [0, 50, 100])).to.throw(TypeError, /equal length/);
    } finally {
      addon.close(fd);
    }
  });

  it('hands every datagram of a burst larger than one recvmmsg batch to JS, then stops at close', async () => {
    const seen: number[] = [];
    // Tests the addon itself, so FRAMEWIRE_NATIVE=0 for the whole run must not switch it off.
    const input = await withNative(undefined, async () =>
      bindNativeInput({ host: '127.0.0.1', port: 0 }, (d) => seen.push(d.readUInt32BE(0))));
    expect(input).to.not.equal(undefined);
    const tx = createSocket('udp4');
    for (let i = 0; i < 300; i++) {
      // One buffer each: node:dgram does not copy, and the sends are still queued when the loop ends.
      const datagram = Buffer.alloc(1200);
      datagram.writeUInt32BE(i, 0);
      tx.send(datagram, input!.address.port, '127.0.0.1');
    }
    await until(() => seen.length === 300, () => `300 datagrams, got ${seen.length}`);
    await input!.close();
    tx.send(Buffer.alloc(1200), input!.address.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    tx.close();
    expect(seen).to.deep.equal(Array.from({ length: 300 }, (_, i) => i));
  });

  it('stamps each datagram with its own kernel receive time, not the time its batch reached JS', async () => {
    const seen: Array<[index: number, arrivalUs: number, jsUs: number]> = [];
    const input = await withNative(undefined, async () =>
      bindNativeInput({ host: '127.0.0.1', port: 0 }, (d, arrivalUs) => seen.push([d.readUInt8(0), arrivalUs, nowUs()])));
    expect(input!.arrivalClock).to.equal('kernel');
    const native = addon;
    const fd = native.connect('127.0.0.1', input!.address.port, false, 1 << 20);
    try {
      // The kernel turns stamping on for the whole stack lazily (a deferred static-key switch, when the first socket
      // asks): a datagram that comes before the switch is stamped when read instead. One goes first, unmeasured.
      native.send(fd, Buffer.from([9]));
      await until(() => seen.length === 1, () => 'the warm-up datagram');
      seen.length = 0;
      // Synchronous sends with a 3 ms spin between them: the loop cannot read in between, so both datagrams arrive
      // in one recvmmsg batch; only per-datagram kernel stamps (on loopback, taken in the sending call) tell them apart.
      native.send(fd, Buffer.from([0]));
      const spinUntil = performance.now() + 3;
      while (performance.now() < spinUntil);
      native.send(fd, Buffer.from([1]));
      await until(() => seen.length === 2, () => `2 datagrams, got ${seen.length}`);
    } finally {
      native.close(fd);
      await input!.close();
    }
    const [[, first, firstJs], [, second]] = seen as [[number, number, number], [number, number, number]];
    expect(second - first).to.be.at.least(3000);
    expect(first).to.be.at.most(firstJs);
    expect(firstJs - first).to.be.below(5e6, 'the kernel stamp and nowUs() are one wall clock');
  });

  describe('fallback', () => {
    afterEach(() => sinon.restore());

    it('uses node:dgram, quietly, when FRAMEWIRE_NATIVE=0', async () => {
      const write = sinon.spy(process.stderr, 'write');
      const link = await withNative({ FRAMEWIRE_NATIVE: '0' }, async () => connectNativeLink({ host: '127.0.0.1', port: 9 }));
      expect(link).to.equal(undefined);
      expect(write.called).to.equal(false);
    });

    it('uses node:dgram with one warning when the addon is missing', async () => {
      const missing = `${NATIVE_ADDON_PATH}.missing`;
      // The warning is for a run that asked for the addon: FRAMEWIRE_NATIVE=0 for the whole run must not hush it.
      const write = await withNative(undefined, async () => {
        const stub = sinon.stub(process.stderr, 'write').returns(true);
        expect(loadNativeUdp(missing)).to.be.an('error');
        expect(connectNativeLink({ host: '127.0.0.1', port: 9 }, missing)).to.equal(undefined);
        expect(bindNativeInput({ host: '127.0.0.1', port: 0 }, () => undefined, missing)).to.equal(undefined);
        return stub;
      });
      sinon.restore();
      const warnings = write.args.map((a) => String(a[0]));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/node:dgram.*build-native\.mjs/);
    });
  });
});
