import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import {
  bindNativeInput,
  connectNativeLink,
  NativeUdpSocket,
} from '../../../src/transport/native-udp.js';
import { mainThreadFds } from '../../support/fds.js';
import { until } from '../../support/until.js';
import { envForSuite, requireNativeAddon } from '../../support/native.js';

const addon = requireNativeAddon();

async function udp(port = 0): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => {
      s.off('error', reject);
      resolve();
    });
  });
  return s;
}

describe('NativeUdpSocket: any socket on the addon receives in batches and sends single datagrams', () => {
  const cleanup: Array<() => unknown> = [];
  envForSuite({ FRAMEWIRE_NATIVE: undefined });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('a connected socket (a frame link) sends with send() and, once receiving, reads what its peer sends back', async () => {
    const peer = await udp();
    cleanup.push(() => peer.close());
    const heard: string[] = [];
    peer.on('message', (msg, rinfo) => {
      heard.push(msg.toString());
      peer.send(`re:${msg.toString()}`, rinfo.port, rinfo.address);
    });
    const link = connectNativeLink({ host: '127.0.0.1', port: peer.address().port })!;
    cleanup.push(() => link.close());
    const replies: string[] = [];
    link.receive((d) => replies.push(d.toString()), { slots: 8 });
    expect(link.send(Buffer.from('rtcp 1'))).to.equal(true);
    expect(link.send(Buffer.from('rtcp 2'))).to.equal(true);
    await until(() => replies.length === 2, () => `2 replies, got ${JSON.stringify(replies)}`);
    expect(heard).to.deep.equal(['rtcp 1', 'rtcp 2']);
    expect(replies).to.deep.equal(['re:rtcp 1', 're:rtcp 2']);
    expect(link.sendErrors).to.equal(0);
  });

  it('counts the error a port-unreachable leaves on a receiving socket, and reads on once the peer is back', async () => {
    const away = await udp();
    const port = away.address().port;
    await new Promise<void>((resolve) => away.close(() => resolve()));
    const link = connectNativeLink({ host: '127.0.0.1', port })!;
    cleanup.push(() => link.close());
    const got: string[] = [];
    link.receive((d) => got.push(d.toString()), { slots: 8 });
    expect(link.send(Buffer.from('anyone?'))).to.equal(true);
    await until(() => link.receiveErrors === 1, () => `a socket error, got ${link.receiveErrors}`);
    const back = await udp(port);
    cleanup.push(() => back.close());
    back.send('back again', link.address.port, '127.0.0.1');
    await until(() => got.length === 1, () => `a datagram after the error, got ${got.length}`);
    expect(got).to.deep.equal(['back again']);
    expect(link.receiveErrors).to.equal(1);
  });

  it('a bound socket that remembers senders replies to the latest one, and to nobody before anyone sent', async () => {
    const socket = new NativeUdpSocket(addon, addon.bind('127.0.0.1', 0, false, 1 << 20, 1 << 20), '127.0.0.1');
    cleanup.push(() => socket.close());
    const got: string[] = [];
    socket.receive((d) => got.push(d.toString()), { slots: 4, rememberSenders: true });
    expect(socket.reply(Buffer.from('too early'))).to.equal(false);
    const sender = await udp();
    cleanup.push(() => sender.close());
    const replies: string[] = [];
    sender.on('message', (m) => replies.push(m.toString()));
    sender.send('rtp', socket.address.port, '127.0.0.1');
    await until(() => got.length === 1, () => `1 datagram, got ${got.length}`);
    expect(socket.reply(Buffer.from('rtcp rr'))).to.equal(true);
    await until(() => replies.length === 1, () => `1 reply, got ${replies.length}`);
    expect(replies).to.deep.equal(['rtcp rr']);
  });

  it('send() on a bound socket answers its latest sender: not sent before anyone sent, nor once closed', async () => {
    const input = bindNativeInput({ host: '127.0.0.1', port: 0 }, () => undefined)!;
    expect(input.send(Buffer.from('where to?'))).to.equal(false);
    expect(input.sendErrors).to.equal(0);
    await input.close();
    expect(input.send(Buffer.from('late'))).to.equal(false);
    expect(input.reply(Buffer.from('late'))).to.equal(false);
    expect(input.sendErrors).to.equal(0);
  });

  it('send() on a connected socket that is not a bound socket\'s override goes to its peer only', async () => {
    const raw = new NativeUdpSocket(addon, addon.bind('127.0.0.1', 0, false, 1 << 16), '127.0.0.1');
    cleanup.push(() => raw.close());
    expect(raw.send(Buffer.from('where to?'))).to.equal(false);
    expect(raw.sendErrors).to.equal(1);
  });

  it('receives once per socket and never after close', async () => {
    const link = connectNativeLink({ host: '127.0.0.1', port: 9 })!;
    link.receive(() => undefined, { slots: 1 });
    expect(() => link.receive(() => undefined, { slots: 1 })).to.throw(/receiving already/);
    await link.close();
    expect(() => link.receive(() => undefined, { slots: 1 })).to.throw(/closed/);
  });

  it('a receive() that throws leaves the socket closed, its fd closed once', async () => {
    const before = mainThreadFds();
    const link = connectNativeLink({ host: '127.0.0.1', port: 9 })!;
    expect(() => link.receive(() => undefined, { slots: 0 })).to.throw(TypeError, /recvStart/);
    expect(mainThreadFds()).to.deep.equal(before);
    expect(link.send(Buffer.from('x'))).to.equal(false);
    await link.close();
    expect(mainThreadFds()).to.deep.equal(before);
  });
});
