import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import { fstatSync, openSync } from 'node:fs';
import {
  bindNativeInput,
  bindNativeRelaySocket,
  connectNativeLink,
  connectNativeRelaySocket,
  NativeDatagramInput,
  NativeRelaySocket,
} from '../../../src/transport/native-udp.js';
import { mainThreadFds } from '../../support/fds.js';
import { until } from '../../support/until.js';
import { envForSuite, requireNativeAddon } from '../../support/native.js';

const addon = requireNativeAddon();
type Addon = typeof addon;


function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EBADF') return false;
    throw err;
  }
}

/** Resolves after the loop has run its close callbacks (a uv_close callback runs after the check phase). */
async function loopTurns(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The addon with some functions replaced (its own are read-only properties: shadow them on an heir). */
function withOverrides(overrides: Partial<Addon>): Addon {
  const heir = Object.create(addon) as Addon;
  for (const [name, value] of Object.entries(overrides)) Object.defineProperty(heir, name, { value });
  return heir;
}

/** The addon, recording every fd JS asks it to close. */
function closeRecorder(overrides: Partial<Addon> = {}): { addon: Addon; closed: number[] } {
  const closed: number[] = [];
  const recording = withOverrides({
    ...overrides,
    close: (fd: number) => {
      closed.push(fd);
      addon.close(fd);
    },
  });
  return { addon: recording, closed };
}

const SLOT = 2048;
const SLOTS = 4;
const LOOPBACK = { host: '127.0.0.1', port: 0 };

/** Starts a receiver on `fd` with recvStart's arguments, any of them replaced. */
function recvStart(fd: number, replace: Partial<Record<'slab' | 'slotBytes' | 'lengths' | 'onBatch' | 'names', unknown>> = {}) {
  const args = {
    slab: Buffer.alloc(SLOT * SLOTS),
    slotBytes: SLOT,
    lengths: new Int32Array(SLOTS),
    onBatch: () => undefined,
    names: undefined as unknown,
    ...replace,
  };
  return addon.recvStart(fd, args.slab as Buffer, args.slotBytes as number, args.lengths as Int32Array,
    args.onBatch as (count: number) => void, args.names as Buffer | undefined);
}

/** Sends `text` to 127.0.0.1:port from a throwaway socket. */
async function sendTo(port: number, text: string): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => s.send(text, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  s.close();
}

describe('native addon fd ownership: every fd closed exactly once, on every path', () => {
  const cleanup: Array<() => unknown> = [];
  envForSuite({ FRAMEWIRE_NATIVE: undefined });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  describe('bind and connect', () => {
    it('leave no fd behind when bind fails (port in use) or the address is bad', () => {
      const taken = addon.bind('127.0.0.1', 0, false, 1 << 16);
      cleanup.push(() => addon.close(taken));
      const port = addon.localPort(taken);
      const before = mainThreadFds();
      expect(() => addon.bind('127.0.0.1', port, false, 1 << 16)).to.throw(/EADDRINUSE/);
      expect(() => addon.bind('127.0.0.1', port, false, 1 << 16, 1 << 16)).to.throw(/EADDRINUSE/);
      expect(() => addon.bind('not an address', 0, false, 1 << 16)).to.throw(/bad IPv4 address/);
      expect(() => addon.connect('::1', 9, false, 1 << 16)).to.throw(/bad IPv4 address/);
      expect(() => bindNativeInput({ host: '127.0.0.1', port }, () => undefined)).to.throw(/EADDRINUSE/);
      expect(() => bindNativeRelaySocket({ host: '127.0.0.1', port }, () => undefined)).to.throw(/EADDRINUSE/);
      expect(mainThreadFds()).to.deep.equal(before);
    });

    it('close() of an fd that is not open throws EBADF instead of closing whatever has its number now', () => {
      const fd = addon.bind('127.0.0.1', 0, false, 1 << 16);
      addon.close(fd);
      expect(isOpen(fd)).to.equal(false);
      expect(() => addon.close(fd)).to.throw(/EBADF/);
    });

    it('localPort, close and enableGro refuse an fd that is not a number, and close nothing', () => {
      const before = mainThreadFds();
      const notAnFd = '3' as unknown as number;
      for (const call of [addon.localPort, addon.close, addon.enableGro]) {
        expect(() => call(notAnFd), call.name).to.throw(TypeError, /the fd argument is not a number/);
      }
      expect(mainThreadFds()).to.deep.equal(before);
    });
  });

  describe('recvStart owns the fd from the call on, whether it returns a handle or throws', () => {
    const bad: Array<[string, Parameters<typeof recvStart>[1], RegExp]> = [
      ['a slab that is not a Buffer', { slab: 'not a buffer' }, /napi_get_buffer_info/],
      ['a zero slot size', { slotBytes: 0 }, /recvStart: need a slab/],
      ['a slot size that is not a number', { slotBytes: 'big' }, /napi_get_value_uint32/],
      ['lengths that are not an Int32Array', { lengths: new Uint32Array(SLOTS) }, /recvStart: need a slab/],
      ['too few lengths', { lengths: new Int32Array(SLOTS - 1) }, /recvStart: need a slab/],
      ['more slots than a batch', { slab: Buffer.alloc(1025), slotBytes: 1 }, /recvStart: need a slab/],
      ['an onBatch that is not a function', { onBatch: 42 }, /recvStart: need a slab/],
      ['names too short for a sockaddr_in6 each', { names: Buffer.alloc(SLOTS * 27) }, /names needs room/],
      ['names that are not a Buffer', { names: 'names' }, /napi_get_buffer_info/],
    ];
    for (const [what, replace, error] of bad) {
      it(`closes the fd, once, when it throws for ${what}`, async () => {
        const before = mainThreadFds();
        const fd = addon.bind('127.0.0.1', 0, false, 1 << 16);
        expect(() => recvStart(fd, replace)).to.throw(error);
        expect(mainThreadFds(), 'no fd left behind').to.deep.equal(before);
        // The next socket usually gets the same number: nothing may close it behind its back.
        const got: string[] = [];
        const next = bindNativeInput(LOOPBACK, (d) => got.push(d.toString()))!;
        cleanup.push(() => next.close());
        await loopTurns();
        // Receiving proves the socket is open and still polled; a closed one would never see this datagram.
        await sendTo(next.address.port, 'still here');
        await until(() => got.length === 1, () => `the datagram, got ${got.length}`);
      });
    }

    it('closes an fd that libuv cannot poll (not a socket), once', () => {
      const fd = openSync('/dev/null', 'r');
      expect(() => recvStart(fd)).to.throw(/recvStart/);
      expect(isOpen(fd)).to.equal(false);
    });

    it('leaves an fd that another receiver is reading to that receiver (EEXIST), which reads on', async () => {
      const got: string[] = [];
      const fd = addon.bind('127.0.0.1', 0, false, 1 << 16);
      const first = new NativeDatagramInput(addon, fd, '127.0.0.1', (d) => got.push(d.toString()));
      cleanup.push(() => first.close());
      const before = mainThreadFds();
      expect(() => recvStart(fd)).to.throw(/EEXIST/);
      expect(() => new NativeDatagramInput(addon, fd, '127.0.0.1', () => undefined)).to.throw(/EEXIST/);
      expect(mainThreadFds()).to.deep.equal(before);
      await loopTurns();
      await sendTo(first.address.port, 'to the first');
      await until(() => got.length === 1, () => `the datagram, got ${got.length}`);
      expect(got).to.deep.equal(['to the first']);
      await first.close();
      expect(isOpen(fd)).to.equal(false);
    });

    it('recvStop closes the fd before it returns, once; a second recvStop does nothing, even after the loop let go', async () => {
      const before = mainThreadFds();
      const fd = addon.bind('127.0.0.1', 0, false, 1 << 16);
      const handle = recvStart(fd);
      addon.recvStop(handle);
      expect(mainThreadFds()).to.deep.equal(before);
      expect(() => addon.close(fd)).to.throw(/EBADF/);
      addon.recvStop(handle);
      await loopTurns();
      addon.recvStop(handle);
      expect(mainThreadFds()).to.deep.equal(before);
    });

    it('recvStop refuses anything that is not a handle from recvStart', () => {
      expect(() => addon.recvStop({})).to.throw(TypeError, /recvStart/);
    });
  });

  describe('the classes on the addon', () => {
    it('do not close an fd again that recvStart took and closed when it threw', () => {
      // recvStart throws after taking the fd (a slot size too large for the slab).
      const { addon: recording, closed } = closeRecorder({
        recvStart: (fd, slab, _slotBytes, lengths, onBatch, names) =>
          addon.recvStart(fd, slab, slab.length + 1, lengths, onBatch, names),
      });
      const before = mainThreadFds();
      const input = addon.bind('127.0.0.1', 0, false, 1 << 16);
      expect(() => new NativeDatagramInput(recording, input, '127.0.0.1', () => undefined)).to.throw(/recvStart/);
      const relay = addon.bind('127.0.0.1', 0, false, 1 << 16);
      expect(() => new NativeRelaySocket(recording, relay, '127.0.0.1', 8, true, () => undefined)).to.throw(/recvStart/);
      expect(closed).to.deep.equal([]);
      expect(mainThreadFds()).to.deep.equal(before);
    });

    it('close the fd they were given when they fail before recvStart', () => {
      const { addon: recording, closed } = closeRecorder({
        localPort: () => {
          throw new Error('getsockname failed');
        },
      });
      const before = mainThreadFds();
      const fd = addon.bind('127.0.0.1', 0, false, 1 << 16);
      expect(() => new NativeDatagramInput(recording, fd, '127.0.0.1', () => undefined)).to.throw(/getsockname/);
      expect(closed).to.deep.equal([fd]);
      expect(mainThreadFds()).to.deep.equal(before);
    });

    it('each close their one fd on close(), once, however often close() is called', async () => {
      const peer: Socket = createSocket('udp4');
      await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
      cleanup.push(() => peer.close());
      const to = { host: '127.0.0.1', port: peer.address().port };
      const before = mainThreadFds();
      const sockets = [
        connectNativeLink(to)!,
        bindNativeInput(LOOPBACK, () => undefined)!,
        bindNativeRelaySocket(LOOPBACK, () => undefined)!,
        connectNativeRelaySocket(to, () => undefined)!,
      ];
      expect(mainThreadFds().length).to.equal(before.length + sockets.length);
      for (const s of sockets) await s.close();
      expect(mainThreadFds()).to.deep.equal(before);
      for (const s of sockets) await s.close();
      await loopTurns();
      expect(mainThreadFds()).to.deep.equal(before);
    });
  });
});
