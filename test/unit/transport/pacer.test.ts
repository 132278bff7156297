import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bindNativeRelaySocket,
  connectNativeLink,
  NativeUdpSocket,
} from '../../../src/transport/native-udp.js';
import { monotonicNs } from '../../../src/transport/pacing.js';
import { sockaddrOf } from '../../../src/transport/sockaddr.js';
import type { OutgoingPackets } from '../../../src/rtp/outgoing-packets.js';
import { finished, startPeer } from '../../support/peers.js';
import { until } from '../../support/until.js';
import { envForSuite, requireNativeAddon } from '../../support/native.js';

const PROBE = fileURLToPath(new URL('../../../scripts/rtp-arrivals.py', import.meta.url));

const addon = requireNativeAddon();

/** A dgram receiver that keeps each datagram with its arrival time (ns, the pacer's clock). */
async function receiver(): Promise<{ socket: Socket; port: number; got: Array<{ data: Buffer; atNs: number }> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(16 * 1024 * 1024);
  const got: Array<{ data: Buffer; atNs: number }> = [];
  socket.on('message', (data) => got.push({ data, atNs: monotonicNs() }));
  return { socket, port: socket.address().port, got };
}

/** `count` packets laid out as a stream writer does: a 4-byte header with the index, then `size` payload bytes. */
function frame(count: number, size: number): OutgoingPackets {
  const headers = Buffer.alloc(4 * count);
  const data = Buffer.alloc(count * size);
  const headerOffsets = new Uint32Array(count + 1);
  const dataOffsets = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) {
    headers.writeUInt32BE(i, 4 * i);
    data.fill((i * 7) % 256, i * size, (i + 1) * size);
    headerOffsets[i + 1] = 4 * (i + 1);
    dataOffsets[i + 1] = size * (i + 1);
  }
  return { count, headers, headerOffsets, data, dataOffsets, firstSequence: 0, timestamp: 0, bytes: count * (size + 4) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('Pacer (native send thread)', function () {
  this.timeout(20_000);
  const open: Array<NativeUdpSocket | Socket> = [];
  envForSuite({ FRAMEWIRE_NATIVE: undefined });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('reads the same clock as process.hrtime', () => {
    const link = connectNativeLink({ host: '127.0.0.1', port: 9 })!;
    open.push(link);
    const pacer = link.openPacer({ slots: 4, slotBytes: 64 });
    const before = monotonicNs();
    const now = pacer.now();
    expect(now).to.be.at.least(before).and.below(monotonicNs() + 1);
  });

  it('sends a frame byte-exact and in order, none before its due time, and reports each real send time', async () => {
    const rx = await receiver();
    open.push(rx.socket);
    const link = connectNativeLink({ host: '127.0.0.1', port: rx.port })!;
    open.push(link);
    const records: Array<[number, number]> = [];
    const pacer = link.openPacer({ slots: 1024, slotBytes: 1500 }, (due, sent) => records.push([due, sent]));
    const packets = frame(500, 1200);
    const firstDue = pacer.now() + 2e6;
    expect(pacer.enqueuePackets(packets, 0, firstDue, 20_000)).to.equal(500);
    packets.data.fill(0); // copied in: the caller's buffers are free at once

    await pacer.drain();
    await until(() => rx.got.length === 500, () => `500 datagrams, got ${rx.got.length}`);
    rx.got.forEach(({ data }, i) => {
      expect(data.readUInt32BE(0), `datagram ${i}`).to.equal(i);
      expect(data.length).to.equal(1204);
      expect(data.subarray(4).every((b) => b === (i * 7) % 256), `payload of ${i}`).to.equal(true);
    });
    expect(records).to.have.length(500);
    records.forEach(([due, sent], i) => {
      expect(due).to.equal(Math.trunc(firstDue + i * 20_000));
      expect(sent, `datagram ${i} went before its time`).to.be.at.least(due);
    });
    const counts = pacer.counts();
    expect(counts).to.include({ sent: 500, refused: 0, unsent: 0 });
    expect(counts.batches).to.be.within(1, 500);
  });

  it('keeps the schedule: the median gap between kernel receive times is the spacing', async () => {
    // A separate process stamps arrivals in the kernel (SO_TIMESTAMPNS): this process's event loop cannot blur them.
    const dir = await mkdtemp(path.join(tmpdir(), 'framewire-pacer-'));
    try {
      const portFile = path.join(dir, 'port');
      const out = path.join(dir, 'arrivals.bin');
      const probe = startPeer('python3', [PROBE, portFile, out, '100', '5']);
      let port = 0;
      await until(() => port > 0, () => `the probe's port (${probe.output()})`, 15_000, async () => {
        port = Number(await readFile(portFile, 'utf8').catch(() => '0'));
      });
      const link = connectNativeLink({ host: '127.0.0.1', port })!;
      open.push(link);
      const pacer = link.openPacer({ slots: 256, slotBytes: 1500 });
      const spacingNs = 2e6;
      const start = pacer.now() + 5e6;
      const datagram = Buffer.alloc(1000);
      for (let i = 0; i < 100; i++) {
        datagram.writeUInt16BE(i, 2); // an RTP sequence number, for the probe's record
        expect(pacer.enqueue(datagram, start + i * spacingNs)).to.equal(true);
      }
      await pacer.drain();
      const probed = await finished(probe, 20_000);
      expect(probed.code, probed.stderr).to.equal(0);

      const data = await readFile(out);
      const arrivals: number[] = [];
      for (let at = 0; at + 16 <= data.length; at += 16) arrivals.push(Number(data.readBigInt64LE(at)));
      expect(arrivals).to.have.length(100);
      const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
      // A burst would put the median near 0, one packet per timer tick near a millisecond or more off.
      expect(median(gaps) / 1e6).to.be.within(1.8, 2.2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('catches a stream that fell behind up at the catch-up rate it was given, not in one burst', async () => {
    // Every datagram is due 50 ms ago and after, 1 ms apart: the schedule slides to now, then each send gains
    // 1 - 1/rate of a spacing on it, so sends come spacing / rate apart (never caught up within these 60).
    const spacingNs = 1e6;
    for (const catchUpRate of [1.25, 2]) {
      const rx = await receiver();
      open.push(rx.socket);
      const link = connectNativeLink({ host: '127.0.0.1', port: rx.port })!;
      open.push(link);
      const sent: number[] = [];
      const pacer = link.openPacer({ slots: 64, slotBytes: 1500, earlyNs: 200_000, catchUpRate }, (_due, at) => sent.push(at));
      const firstDue = pacer.now() - 50e6;
      for (let i = 0; i < 60; i++) expect(pacer.enqueue(Buffer.alloc(100), firstDue + i * spacingNs)).to.equal(true);
      await pacer.drain();
      expect(sent).to.have.length(60);
      const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
      // A wake-up late by more than earlyNs slides one gap further; the median is the rate.
      expect(median(gaps) / spacingNs, `at ${catchUpRate}x`).to.be.within(0.95 / catchUpRate, 1.05 / catchUpRate);
    }
  });

  it('accepts only what fits, and takes more as records are collected: nothing is dropped', async () => {
    const rx = await receiver();
    open.push(rx.socket);
    const link = connectNativeLink({ host: '127.0.0.1', port: rx.port })!;
    open.push(link);
    const pacer = link.openPacer({ slots: 16, slotBytes: 1500 });
    const packets = frame(200, 1000);
    const spacing = 50_000;
    const first = pacer.now() + 1e6;
    let next = pacer.enqueuePackets(packets, 0, first, spacing);
    expect(next).to.equal(16);
    expect(pacer.enqueue(Buffer.alloc(10), first)).to.equal(false);
    while (next < packets.count) {
      await pacer.waitForRoom();
      next = pacer.enqueuePackets(packets, next, first + next * spacing, spacing);
    }
    await pacer.drain();
    expect(pacer.queued).to.equal(0);
    await until(() => rx.got.length === 200, () => `200 datagrams, got ${rx.got.length}`);
    expect(rx.got.map((d) => d.data.readUInt32BE(0))).to.deep.equal([...Array(200).keys()]);
    expect(pacer.counts()).to.include({ sent: 200, refused: 0, unsent: 0 });
  });

  it('packs datagrams of any size into its slab, wrapping at the end, and refuses what would overrun it', async () => {
    const rx = await receiver();
    open.push(rx.socket);
    const link = connectNativeLink({ host: '127.0.0.1', port: rx.port })!;
    open.push(link);
    // A 128 KB slab: two 60 KB datagrams fill it; small ones share it; none is split across its end.
    const pacer = link.openPacer({ slots: 8, slotBytes: 16_384 });
    const sizes = [60_000, 50_000, 30_000, 1200, 65_000, 100, 40_000, 64_000, 9000, 65_000, 65_000];
    let refused = 0;
    for (const [i, size] of sizes.entries()) {
      const datagram = Buffer.alloc(size, i + 1);
      datagram.writeUInt32BE(i, 0);
      while (!pacer.enqueue(datagram, pacer.now())) {
        refused++;
        await pacer.waitForRoom();
      }
    }
    await pacer.drain();
    await until(() => rx.got.length === sizes.length, () => `${sizes.length} datagrams, got ${rx.got.length}`);
    expect(refused, 'enqueues the full slab turned away').to.be.greaterThan(0);
    for (const [i, { data }] of rx.got.entries()) {
      const expected = Buffer.alloc(sizes[i]!, i + 1);
      expected.writeUInt32BE(i, 0);
      expect(data.equals(expected), `datagram ${i} byte-exact`).to.equal(true);
    }
    expect(() => pacer.enqueue(Buffer.alloc(70_000), pacer.now())).to.throw(RangeError);
  });

  for (const segment of [true, false]) {
    it(`sends trains ${segment ? 'as UDP GSO runs' : 'a datagram a message'}: byte-exact, in order, sizes kept`, async () => {
      const native = addon;
      const rx = new NativeUdpSocket(native, native.bind('127.0.0.1', 0, false, 8 << 20), '127.0.0.1');
      open.push(rx);
      const got: Buffer[] = [];
      rx.receive((d) => got.push(Buffer.from(d)), { slots: 16, gro: true });
      const link = connectNativeLink({ host: '127.0.0.1', port: rx.address.port })!;
      open.push(link);
      const pacer = link.openPacer({ slots: 512, slotBytes: 1500, earlyNs: 200_000, segment });
      // Trains of 8 due together, with three sizes among them: runs end at a shorter datagram and at a train's end.
      const sizes = Array.from({ length: 200 }, (_, i) => (i % 25 === 24 ? 300 : i % 50 < 30 ? 1400 : 900));
      const now = pacer.now() + 2e6;
      sizes.forEach((size, i) => {
        const datagram = Buffer.alloc(size, i % 251);
        datagram.writeUInt32BE(i, 0);
        expect(pacer.enqueue(datagram, now + Math.floor(i / 8) * 300_000)).to.equal(true);
      });
      await pacer.drain();
      await until(() => got.length === sizes.length, () => `${sizes.length} datagrams, got ${got.length}`);
      got.forEach((d, i) => {
        const expected = Buffer.alloc(sizes[i]!, i % 251);
        expected.writeUInt32BE(i, 0);
        expect(d.equals(expected), `datagram ${i} byte-exact`).to.equal(true);
      });
      const counts = pacer.counts();
      expect(counts.gso).to.equal(segment);
      expect(counts).to.include({ sent: 200, refused: 0 });
      if (segment) expect(rx.gro!.buffers, 'trains arrived as one buffer each').to.be.at.least(20);
      else expect(rx.gro!.buffers).to.equal(0);
    });
  }

  it('sends each datagram to its own address from a bound socket', async () => {
    const a = await receiver();
    const b = await receiver();
    open.push(a.socket, b.socket);
    const relay = bindNativeRelaySocket({ host: '127.0.0.1', port: 0 }, () => undefined)!;
    open.push(relay);
    const pacer = relay.openPacer({ slots: 64, slotBytes: 1500 });
    const toA = sockaddrOf({ host: '127.0.0.1', port: a.port });
    const toB = sockaddrOf({ host: '127.0.0.1', port: b.port });
    const now = pacer.now();
    for (let i = 0; i < 10; i++) pacer.enqueue(Buffer.from(`d${i}`), now + i * 100_000, i % 2 === 0 ? toA : toB);
    await pacer.drain();
    await until(() => a.got.length + b.got.length === 10, () => `10 datagrams, got ${a.got.length + b.got.length}`);
    expect(a.got.map((d) => d.data.toString())).to.deep.equal(['d0', 'd2', 'd4', 'd6', 'd8']);
    expect(b.got.map((d) => d.data.toString())).to.deep.equal(['d1', 'd3', 'd5', 'd7', 'd9']);
  });

  it('counts what the kernel refused, and what was still queued at close; the socket closes after its thread', async () => {
    const rx = await receiver();
    const port = rx.port;
    await new Promise<void>((resolve) => rx.socket.close(() => resolve())); // nobody listens: ICMP port unreachable
    const link = connectNativeLink({ host: '127.0.0.1', port })!;
    open.push(link);
    const records: number[] = [];
    const pacer = link.openPacer({ slots: 64, slotBytes: 1500 }, (_due, sent) => records.push(sent));
    const now = pacer.now();
    for (let i = 0; i < 20; i++) pacer.enqueue(Buffer.alloc(100), now + i * 1e6);
    for (let i = 0; i < 5; i++) pacer.enqueue(Buffer.alloc(100), now + 60e9); // a minute away
    await until(() => pacer.queued === 5, () => `5 left in the queue, ${pacer.queued} are`);
    pacer.collect();
    expect(records.filter((sent) => sent < 0).length).to.be.at.least(1);
    await link.close();
    const counts = pacer.counts();
    expect(counts.unsent).to.equal(5);
    expect(counts.refused).to.equal(records.filter((sent) => sent < 0).length);
    expect(counts.sent + counts.refused).to.equal(20);
    expect(() => pacer.enqueue(Buffer.alloc(1), 0)).to.throw(/closed/);
  });
});
