import { expect } from 'chai';
import { until } from '../../support/until.js';
import { createSocket, type Socket } from 'node:dgram';
import { constants as osConstants } from 'node:os';
import {
  bindNativeRelaySocket,
  connectNativeRelaySocket,
  type NativeRelaySocket,
} from '../../../src/transport/native-udp.js';
import { envForSuite, requireNativeAddon } from '../../support/native.js';

const addon = requireNativeAddon();

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  s.setRecvBufferSize(16 * 1024 * 1024);
  return s;
}

const LOOPBACK = { host: '127.0.0.1', port: 0 };

describe('NativeRelaySocket (recvmmsg in, sendmmsg out)', () => {
  const open: Array<NativeRelaySocket | Socket> = [];
  envForSuite({ FRAMEWIRE_NATIVE: undefined });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('sends a queue longer than one sendmmsg call, byte-exact and in order, once the loop turns', async () => {
    const peer = await udp();
    open.push(peer);
    const got: Buffer[] = [];
    peer.on('message', (msg) => got.push(msg));
    const back = connectNativeRelaySocket({ host: '127.0.0.1', port: peer.address().port }, () => undefined)!;
    open.push(back);
    const scratch = Buffer.alloc(2000);
    const sent: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      // One scratch buffer for all: queue() must copy, since relayed datagrams are views of a reused slab.
      const d = scratch.subarray(0, 4 + ((i * 31) % 1400)).fill(i % 256);
      d.writeUInt32BE(i, 0);
      sent.push(Buffer.from(d));
      back.queue(d);
    }
    await until(() => got.length === 3000, () => `3000 datagrams, got ${got.length}`);
    expect(got.map((d) => d.readUInt32BE(0))).to.deep.equal(sent.map((_, i) => i));
    for (let i = 0; i < sent.length; i++) expect(got[i]!.equals(sent[i]!), `datagram ${i}`).to.equal(true);
    expect(back.sendErrors).to.equal(0);
  });

  it('splits runs of one size (sent as UDP GSO messages) back into the datagrams they were, short tails included', async () => {
    const peer = await udp();
    open.push(peer);
    const got: Buffer[] = [];
    peer.on('message', (msg) => got.push(msg));
    const back = connectNativeRelaySocket({ host: '127.0.0.1', port: peer.address().port }, () => undefined)!;
    open.push(back);
    // Like video: frames of many full-size packets and a short last one, runs longer than one GSO message.
    const sizes: number[] = [];
    for (let frame = 0; frame < 20; frame++) {
      for (let p = 0; p < 150; p++) sizes.push(1400);
      sizes.push(4 + frame * 50, 4 + frame * 50);
    }
    sizes.push(1400, 1400, 0, 1400, 9000, 9000, 8);
    const sent = sizes.map((size, i) => {
      const d = Buffer.alloc(size, i % 256);
      if (size >= 4) d.writeUInt32BE(i, 0);
      return d;
    });
    for (const d of sent) back.queue(d);
    await until(() => got.length === sent.length, () => `${sent.length} datagrams, got ${got.length}`);
    expect(got.map((d) => d.length)).to.deep.equal(sizes);
    for (let i = 0; i < sent.length; i++) expect(got[i]!.equals(sent[i]!), `datagram ${i}`).to.equal(true);
    expect(back.sendErrors).to.equal(0);
  });

  it('reads what its peer sends back on the socket it sends from', async () => {
    const peer = await udp();
    open.push(peer);
    peer.on('message', (msg, rinfo) => peer.send(Buffer.concat([Buffer.from('re:'), msg]), rinfo.port, rinfo.address));
    const replies: string[] = [];
    const back = connectNativeRelaySocket({ host: '127.0.0.1', port: peer.address().port }, (d) => {
      replies.push(d.toString());
    })!;
    open.push(back);
    back.queue(Buffer.from('one'));
    back.queue(Buffer.from('two'));
    await until(() => replies.length === 2, () => `2 replies, got ${replies.length}`);
    expect(replies).to.deep.equal(['re:one', 're:two']);
  });

  it('replies to whoever sent the latest datagram, and to nobody before anyone has', async () => {
    const got: string[] = [];
    const front = bindNativeRelaySocket(LOOPBACK, (d) => got.push(d.toString()))!;
    open.push(front);
    expect(front.reply(Buffer.from('too early'))).to.equal(false);
    const a = await udp();
    const b = await udp();
    open.push(a, b);
    const heard = { a: [] as string[], b: [] as string[] };
    a.on('message', (m) => heard.a.push(m.toString()));
    b.on('message', (m) => heard.b.push(m.toString()));
    a.send('from a', front.address.port, '127.0.0.1');
    await until(() => got.length === 1, () => `1 datagram, got ${got.length}`);
    expect(front.reply(Buffer.from('to a'))).to.equal(true);
    b.send('from b', front.address.port, '127.0.0.1');
    await until(() => got.length === 2, () => `2 datagrams, got ${got.length}`);
    front.reply(Buffer.from('to b'));
    await until(() => heard.a.length === 1 && heard.b.length === 1, () => `one reply each, heard ${JSON.stringify(heard)}`);
    expect(heard).to.deep.equal({ a: ['to a'], b: ['to b'] });
  });

  it('after close, neither sends nor receives nor throws', async () => {
    const peer = await udp();
    open.push(peer);
    let got = 0;
    peer.on('message', () => got++);
    const back = connectNativeRelaySocket({ host: '127.0.0.1', port: peer.address().port }, () => undefined)!;
    await back.close();
    back.queue(Buffer.from('late'));
    await new Promise((r) => setTimeout(r, 30));
    expect(got).to.equal(0);
  });

  it('send puts one datagram on a connected socket, and reports EDESTADDRREQ on one that is not connected', async () => {
    const peer = await udp();
    open.push(peer);
    const got: string[] = [];
    peer.on('message', (msg) => got.push(msg.toString()));
    const connected = addon.connect('127.0.0.1', peer.address().port, false, 1 << 16);
    const bound = addon.bind('127.0.0.1', 0, false, 1 << 16);
    try {
      expect(addon.send(connected, Buffer.from('one datagram'))).to.equal(0);
      expect(addon.send(bound, Buffer.from('nowhere'))).to.equal(osConstants.errno.EDESTADDRREQ);
    } finally {
      addon.close(connected);
      addon.close(bound);
    }
    await until(() => got.length === 1, () => `1 datagram, got ${got.length}`);
    expect(got).to.deep.equal(['one datagram']);
  });

  it('sendTo refuses a name that is not an IPv4 or IPv6 socket address', () => {
    const fd = addon.bind('127.0.0.1', 0, false, 1 << 16);
    try {
      expect(() => addon.sendTo(fd, Buffer.from('x'), Buffer.alloc(1))).to.throw(RangeError, /socket address/);
      expect(() => addon.sendTo(fd, Buffer.from('x'), Buffer.alloc(28, 0xff))).to.throw(RangeError, /socket address/);
    } finally {
      addon.close(fd);
    }
  });
});
