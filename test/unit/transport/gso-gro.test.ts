import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { NativeUdpSocket } from '../../../src/transport/native-udp.js';
import { until } from '../../support/until.js';
import { requireNativeAddon } from '../../support/native.js';

const addon = requireNativeAddon();

/**
 * A frame's packets as a sender lays them out: headers in one buffer, payloads in another. Sizes (header + payload)
 * change three times, and runs end on a shorter packet, so every way a GSO run can end is crossed: a run of 1400s
 * cut short by one 1000, a run of 700s after a 1400, a lone 300 at the end, and a run longer than one GSO message.
 */
function frame(): { headers: Buffer; headerOffsets: Uint32Array; data: Buffer; dataOffsets: Uint32Array; packets: Buffer[] } {
  const sizes = [...Array(60).fill(1400), 1000, ...Array(5).fill(1400), ...Array(9).fill(700), 300];
  const headerBytes = 12;
  const headers = randomBytes(sizes.length * headerBytes);
  const data = randomBytes(sizes.reduce((a, s) => a + s - headerBytes, 0));
  const headerOffsets = new Uint32Array(sizes.length + 1);
  const dataOffsets = new Uint32Array(sizes.length + 1);
  sizes.forEach((size, i) => {
    headerOffsets[i + 1] = headerOffsets[i]! + headerBytes;
    dataOffsets[i + 1] = dataOffsets[i]! + size - headerBytes;
  });
  const packets = sizes.map((_, i) => Buffer.concat([
    headers.subarray(headerOffsets[i], headerOffsets[i + 1]),
    data.subarray(dataOffsets[i], dataOffsets[i + 1]),
  ]));
  return { headers, headerOffsets, data, dataOffsets, packets };
}

/** A bound socket on the addon that keeps a copy of every datagram it is handed. */
function receiver(gro: boolean): { socket: NativeUdpSocket; got: Buffer[] } {
  const native = addon;
  const socket = new NativeUdpSocket(native, native.bind('127.0.0.1', 0, false, 8 << 20), '127.0.0.1');
  const got: Buffer[] = [];
  socket.receive((d) => got.push(Buffer.from(d)), { slots: 16, gro });
  return { socket, got };
}

/** Sends the whole frame from a connected socket; returns how many calls it took. */
function send(port: number, f: ReturnType<typeof frame>, segment: boolean): { result: Int32Array } {
  const native = addon;
  const fd = native.connect('127.0.0.1', port, false, 8 << 20);
  const result = new Int32Array(3);
  try {
    let next = 0;
    while (next < f.packets.length) {
      next = native.sendPackets(fd, f.headers, f.headerOffsets, f.data, f.dataOffsets, next, segment, result);
      expect(result[2], 'the kernel refused GSO on loopback').to.equal(0);
    }
  } finally {
    native.close(fd);
  }
  return { result };
}

describe('UDP GSO sends and GRO receives (native addon)', () => {
  for (const [label, segment, gro] of [
    ['GSO runs into a GRO socket (one buffer a run, split by the receiver)', true, true],
    ['GSO runs into a plain socket (split by the kernel)', true, false],
    ['one datagram a message into a GRO socket', false, true],
  ] as const) {
    it(`${label}: every datagram byte-exact and in order, as the plain path delivers them`, async () => {
      const f = frame();
      const rx = receiver(gro);
      try {
        send(rx.socket.address.port, f, segment);
        await until(() => rx.got.length >= f.packets.length, () => `${f.packets.length} datagrams, got ${rx.got.length}`);
        expect(rx.got.map((d) => d.length)).to.deep.equal(f.packets.map((p) => p.length));
        expect(rx.got.every((d, i) => d.equals(f.packets[i]!))).to.equal(true);
        if (!gro) expect(rx.socket.gro).to.equal(undefined);
        else if (segment) {
          // The runs arrived whole: fewer buffers than datagrams, and every datagram of a run came out of one.
          expect(rx.socket.gro!.buffers).to.be.within(4, 20);
          expect(rx.socket.gro!.datagrams).to.be.greaterThan(f.packets.length / 2);
        } else {
          expect(rx.socket.gro).to.deep.equal({ datagrams: 0, buffers: 0 });
        }
      } finally {
        await rx.socket.close();
      }
    });
  }

  it('cuts runs at 64 segments and 65,000 bytes, so 8972-byte packets go 7 to a message', async () => {
    const native = addon;
    const rx = receiver(true);
    const fd = native.connect('127.0.0.1', rx.socket.address.port, false, 8 << 20);
    try {
      const data = randomBytes(20 * 8972);
      const offsets = Uint32Array.from({ length: 21 }, (_, i) => i * 8972);
      const result = new Int32Array(3);
      expect(native.sendDatagrams(fd, data, offsets, 0, true, result)).to.equal(20);
      expect(Array.from(result)).to.deep.equal([0, 0, 0]);
      await until(() => rx.got.length >= 20, () => `20 datagrams, got ${rx.got.length}`);
      expect(Buffer.concat(rx.got).equals(data)).to.equal(true);
      expect(rx.socket.gro).to.deep.equal({ datagrams: 20, buffers: 3 }); // 7 + 7 + 6
    } finally {
      native.close(fd);
      await rx.socket.close();
    }
  });
});
