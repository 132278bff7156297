import { isIP } from 'node:net';
import { createRequire } from 'node:module';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../frame.js';
import type { Packetizer } from '../rtp/payload-format.js';
import type { Endpoint } from './endpoint.js';
import { SOCKET_BUFFER_BYTES, type DatagramInput, type FrameLink, type OnDatagram } from './udp.js';

/** The addon built from native/ by scripts/build-native.mjs (see native/udp_send.c for the contract). */
interface NativeUdpAddon {
  connect(address: string, port: number, ipv6: boolean, sendBufferBytes: number): number;
  close(fd: number): void;
  sendPackets(
    fd: number,
    headers: Buffer,
    headerOffsets: Uint32Array,
    data: Buffer,
    payloadOffsets: Uint32Array,
    from: number,
    result: Int32Array,
  ): number;
  bind(address: string, port: number, ipv6: boolean, receiveBufferBytes: number): number;
  localPort(fd: number): number;
  recvStart(fd: number, slab: Buffer, slotBytes: number, lengths: Int32Array, onBatch: (count: number) => void): object;
  recvStop(handle: object): void;
}

/** Same depth below the package root from src/transport (tsx) and dist/transport (built). */
export const NATIVE_ADDON_PATH = fileURLToPath(
  new URL('../../native/build/Release/framewire_native.node', import.meta.url),
);

const loaded = new Map<string, NativeUdpAddon | Error>();

/** Loads the addon once per path; an Error says why it is unusable. */
export function loadNativeUdp(path = NATIVE_ADDON_PATH): NativeUdpAddon | Error {
  let addon = loaded.get(path);
  if (!addon) {
    try {
      addon = createRequire(import.meta.url)(path) as NativeUdpAddon;
    } catch (err) {
      addon = err instanceof Error ? err : new Error(String(err));
    }
    loaded.set(path, addon);
  }
  return addon;
}

let warned = false;

/**
 * The addon, or undefined when the JS paths must be used: FRAMEWIRE_NATIVE=0 asks for them (quietly), a missing or
 * broken addon forces them (with one warning per process, since sending and receiving are then much slower).
 */
function usableAddon(path: string): NativeUdpAddon | undefined {
  if (process.env.FRAMEWIRE_NATIVE === '0') return undefined;
  const addon = loadNativeUdp(path);
  if (!(addon instanceof Error)) return addon;
  if (!warned) {
    warned = true;
    const reason = addon.message.split('\n')[0];
    process.stderr.write(
      `framewire: using node:dgram, the native sendmmsg/recvmmsg addon is not built (${reason}); ` +
        'build it with: node scripts/build-native.mjs --strict\n',
    );
  }
  return undefined;
}

function socketArgs(e: Endpoint): [string, number, boolean] {
  const host = e.host === 'localhost' ? '127.0.0.1' : e.host;
  return [host, e.port, isIP(host) === 6];
}

/** The sendmmsg link to `to`, or undefined when the addon is not to be used. */
export function connectNativeLink(to: Endpoint, path = NATIVE_ADDON_PATH): NativeFrameLink | undefined {
  const addon = usableAddon(path);
  return addon && new NativeFrameLink(addon, addon.connect(...socketArgs(to), SOCKET_BUFFER_BYTES));
}

/** A recvmmsg socket bound to `listen`, or undefined when the addon is not to be used. */
export function bindNativeInput(
  listen: Endpoint,
  onDatagram: OnDatagram,
  path = NATIVE_ADDON_PATH,
): NativeDatagramInput | undefined {
  const addon = usableAddon(path);
  if (!addon) return undefined;
  const [host, port, ipv6] = socketArgs(listen);
  return new NativeDatagramInput(addon, addon.bind(host, port, ipv6, SOCKET_BUFFER_BYTES), host, onDatagram);
}

/**
 * Sends each frame in a few sendmmsg calls on a socket of its own. The kernel copies during the call, so the frame
 * and headers are free again as soon as it returns, unless the send buffer filled: then the rest goes after the
 * event loop has had a turn.
 */
export class NativeFrameLink implements FrameLink {
  readonly path = 'sendmmsg' as const;
  /** [packets refused, errno that stopped the call early], written by the addon. */
  private readonly result = new Int32Array(2);
  private fd: number;

  constructor(
    private readonly addon: NativeUdpAddon,
    fd: number,
  ) {
    this.fd = fd;
  }

  async sendFrame(packetizer: Packetizer, frame: Frame): Promise<number> {
    packetizer.writeHeaders(frame);
    const { headers, headerOffsets, payloadOffsets } = packetizer.table;
    const count = packetizer.packetsPerFrame;
    let refused = 0;
    let next = 0;
    for (;;) {
      next = this.addon.sendPackets(this.fd, headers, headerOffsets, frame.data, payloadOffsets, next, this.result);
      refused += this.result[0]!;
      if (next === count) return refused;
      await yieldToLoop(); // the send buffer is full: let the kernel drain it
    }
  }

  close(): Promise<void> {
    this.addon.close(this.fd);
    this.fd = -1;
    return Promise.resolve();
  }
}

/** Every datagram fits a slot: 65,535 bytes covers the largest UDP payload over IPv4 and IPv6 (no jumbograms). */
const SLOT_BYTES = 65536;
/** Datagrams per recvmmsg call: enough to amortize the syscall and the call into JS, while the slab stays 4 MB. */
const SLOTS = 64;

/**
 * Receives with recvmmsg, driven by libuv readiness on the main thread: one call into JS per batch of up to 64
 * datagrams instead of one 'message' event (and one Buffer) each. A datagram is a view of the slab, valid only
 * during onDatagram, which is how the depacketizers use it (they copy what they keep).
 */
export class NativeDatagramInput implements DatagramInput {
  readonly address: Endpoint;
  private readonly slab = Buffer.allocUnsafeSlow(SLOT_BYTES * SLOTS);
  private readonly lengths = new Int32Array(SLOTS);
  private handle: object | undefined;

  constructor(
    private readonly addon: NativeUdpAddon,
    fd: number,
    host: string,
    private readonly onDatagram: OnDatagram,
  ) {
    try {
      this.address = { host, port: addon.localPort(fd) };
      this.handle = addon.recvStart(fd, this.slab, SLOT_BYTES, this.lengths, this.onBatch);
    } catch (err) {
      addon.close(fd); // recvStart owns the fd only once it succeeds
      throw err;
    }
  }

  close(): Promise<void> {
    if (this.handle) this.addon.recvStop(this.handle);
    this.handle = undefined;
    return Promise.resolve();
  }

  private readonly onBatch = (count: number): void => {
    const { slab, lengths } = this;
    for (let i = 0; i < count && this.handle; i++) {
      const start = i * SLOT_BYTES;
      this.onDatagram(slab.subarray(start, start + lengths[i]!));
    }
  };
}
