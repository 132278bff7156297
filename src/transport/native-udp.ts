import { createRequire } from 'node:module';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../frame.js';
import type { Packetizer } from '../rtp/payload-format.js';
import { isIpv6, socketHost, type Endpoint } from './endpoint.js';
import { SOCKET_BUFFER_BYTES, type DatagramInput, type FrameLink, type OnDatagram } from './udp.js';

/**
 * The addon built from native/ by scripts/build-native.mjs (the contract of each function is at its C definition).
 * An fd from bind or connect is the caller's until it is handed to recvStart, which owns it from that call on, whether
 * it returns or throws (except EEXIST: the fd already has a reader, and stays with it); recvStop closes it. So close
 * is only for an fd that never went to recvStart. The classes below keep to this.
 */
interface NativeUdpAddon {
  connect(address: string, port: number, ipv6: boolean, sendBufferBytes: number, receiveBufferBytes?: number): number;
  /** Throws EBADF for an fd that is not open (a double close). */
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
  bind(address: string, port: number, ipv6: boolean, receiveBufferBytes: number, sendBufferBytes?: number): number;
  localPort(fd: number): number;
  recvStart(
    fd: number,
    slab: Buffer,
    slotBytes: number,
    lengths: Int32Array,
    onBatch: (count: number) => void,
    names?: Buffer,
  ): object;
  recvStop(handle: object): void;
  /** One datagram to the sockaddr in `name`: 0, or the errno of a refused send. */
  sendTo(fd: number, data: Buffer, name: Buffer): number;
  /** One datagram to a connected socket's peer: 0, or the errno of a refused send. */
  send(fd: number, data: Buffer): number;
  sendDatagrams(fd: number, data: Buffer, offsets: Uint32Array, from: number, segment: boolean, result: Int32Array): number;
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
  const host = socketHost(e);
  return [host, e.port, isIpv6(host)];
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

/** The fd's local port; when that fails, the fd is closed (it is ours until recvStart takes it) and the error thrown. */
function localPortOrClose(addon: NativeUdpAddon, fd: number): number {
  try {
    return addon.localPort(fd);
  } catch (err) {
    addon.close(fd);
    throw err;
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
  /** Errors the socket reported instead of a datagram (an ICMP error after sending from it); reading went on. */
  socketErrors = 0;
  private readonly slab = Buffer.allocUnsafeSlow(SLOT_BYTES * SLOTS);
  private readonly lengths = new Int32Array(SLOTS);
  private handle: object | undefined;

  constructor(
    private readonly addon: NativeUdpAddon,
    fd: number,
    host: string,
    private readonly onDatagram: OnDatagram,
  ) {
    this.address = { host, port: localPortOrClose(addon, fd) };
    // recvStart owns the fd from the call on: when it throws it has closed the fd already.
    this.handle = addon.recvStart(fd, this.slab, SLOT_BYTES, this.lengths, this.onBatch);
  }

  close(): Promise<void> {
    if (this.handle) this.addon.recvStop(this.handle);
    this.handle = undefined;
    return Promise.resolve();
  }

  private readonly onBatch = (count: number): void => {
    if (count < 0) {
      this.socketErrors++;
      return;
    }
    const { slab, lengths } = this;
    for (let i = 0; i < count && this.handle; i++) {
      const start = i * SLOT_BYTES;
      this.onDatagram(slab.subarray(start, start + lengths[i]!));
    }
  };
}

/** Room for a struct sockaddr_in6, the largest address recvStart reports. */
const NAME_BYTES = 28;
/** What one flush may hand to sendmmsg: the addon's batch cap, and room for a full batch of 1400-byte datagrams. */
const OUT_SLOTS = 1024;
const OUT_BYTES = 4 * 1024 * 1024;
/** Replies are feedback (RTCP and the like), a trickle next to the forward stream: a few slots are plenty. */
const REPLY_SLOTS = 8;

/**
 * A relay's socket on the addon: receives in recvmmsg batches and sends in sendmmsg batches, for forwarding many
 * small datagrams without one JS call and one syscall each. Bound (`bindNativeRelaySocket`), it remembers who sent
 * last and can reply there; connected (`connectNativeRelaySocket`), it queues datagrams for its peer and sends them
 * all once the event loop reaches its check phase, after the receive batches of this turn, with runs of one size as
 * UDP GSO messages (on loopback the kernel's per-datagram cost, not JS, is what limits a relay).
 */
export class NativeRelaySocket {
  readonly address: Endpoint;
  /** Datagrams the kernel refused or that found the queue full (the kernel had stopped taking them): all lost. */
  sendErrors = 0;
  /**
   * Errors the socket reported instead of a datagram: an ICMP port-unreachable for what it sent to a peer that was
   * not listening. Reading goes on, so replies flow again once the peer is back.
   */
  receiveErrors = 0;
  private fd: number;
  private readonly slab: Buffer;
  private readonly lengths: Int32Array;
  private readonly names: Buffer | undefined;
  private readonly lastSender = Buffer.alloc(NAME_BYTES);
  private heardFrom = false;
  private handle: object | undefined;
  private out: Buffer | undefined;
  /** Datagram i of the queue is out[offsets[i], offsets[i + 1]). */
  private readonly offsets = new Uint32Array(OUT_SLOTS + 1);
  private queued = 0;
  private sent = 0;
  /** UDP GSO, until the kernel refuses it (no support, or a route whose MTU is below the datagrams). */
  private segment = true;
  private flushing: NodeJS.Immediate | undefined;
  /** [datagrams refused, errno that stopped the call early, 1 when the kernel would not segment], by the addon. */
  private readonly result = new Int32Array(3);

  constructor(
    private readonly addon: NativeUdpAddon,
    fd: number,
    host: string,
    slots: number,
    rememberSenders: boolean,
    private readonly onDatagram: OnDatagram,
  ) {
    this.fd = fd;
    this.slab = Buffer.allocUnsafeSlow(SLOT_BYTES * slots);
    this.lengths = new Int32Array(slots);
    this.names = rememberSenders ? Buffer.alloc(NAME_BYTES * slots) : undefined;
    this.address = { host, port: localPortOrClose(addon, fd) };
    // recvStart owns the fd from the call on: when it throws it has closed the fd already.
    this.handle = addon.recvStart(fd, this.slab, SLOT_BYTES, this.lengths, this.onBatch, this.names);
  }

  /** Copies `datagram` into the send queue (a view may be reused right after). */
  queue(datagram: Buffer): void {
    if (!this.handle) return;
    this.out ??= Buffer.allocUnsafeSlow(OUT_BYTES);
    if (!this.fits(datagram)) this.flush();
    if (!this.fits(datagram)) {
      this.sendErrors++;
      return;
    }
    const end = this.offsets[this.queued]!;
    datagram.copy(this.out, end);
    this.offsets[++this.queued] = end + datagram.length;
    this.flushing ??= setImmediate(this.flush);
  }

  /** Sends `datagram` to whoever sent the latest datagram here; false when nobody has sent anything yet. */
  reply(datagram: Buffer): boolean {
    if (!this.heardFrom) return false;
    if (this.handle && this.addon.sendTo(this.fd, datagram, this.lastSender) !== 0) this.sendErrors++;
    return true;
  }

  /** Sends what is queued, then stops receiving and closes the socket. */
  close(): Promise<void> {
    this.flush();
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.handle) this.addon.recvStop(this.handle); // closes the fd
    this.handle = undefined;
    this.fd = -1;
    return Promise.resolve();
  }

  private fits(datagram: Buffer): boolean {
    return this.queued < OUT_SLOTS && this.offsets[this.queued]! + datagram.length <= OUT_BYTES;
  }

  private readonly flush = (): void => {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    const count = this.queued;
    if (this.sent === count || !this.handle) return;
    const offsets = this.offsets.subarray(0, count + 1);
    this.sent = this.addon.sendDatagrams(this.fd, this.out!, offsets, this.sent, this.segment, this.result);
    this.sendErrors += this.result[0]!;
    if (this.result[2] === 1) {
      this.segment = false;
      this.sent = this.addon.sendDatagrams(this.fd, this.out!, offsets, this.sent, false, this.result);
      this.sendErrors += this.result[0]!;
    }
    if (this.sent === count) this.queued = this.sent = 0;
    else this.flushing = setImmediate(this.flush); // the send buffer is full: let the kernel drain it
  };

  private readonly onBatch = (count: number): void => {
    if (count < 0) {
      this.receiveErrors++;
      return;
    }
    const { slab, lengths, names } = this;
    if (names && count > 0) {
      names.copy(this.lastSender, 0, (count - 1) * NAME_BYTES, count * NAME_BYTES);
      this.heardFrom = true;
    }
    for (let i = 0; i < count && this.handle; i++) {
      const start = i * SLOT_BYTES;
      this.onDatagram(slab.subarray(start, start + lengths[i]!));
    }
  };
}

/**
 * A relay's front socket bound to `listen` (the receiving end, remembering senders to reply to), or undefined when
 * the addon is not to be used.
 */
export function bindNativeRelaySocket(
  listen: Endpoint,
  onDatagram: OnDatagram,
  path = NATIVE_ADDON_PATH,
): NativeRelaySocket | undefined {
  const addon = usableAddon(path);
  if (!addon) return undefined;
  const [host, port, ipv6] = socketArgs(listen);
  const fd = addon.bind(host, port, ipv6, SOCKET_BUFFER_BYTES, SOCKET_BUFFER_BYTES);
  return new NativeRelaySocket(addon, fd, host, SLOTS, true, onDatagram);
}

/**
 * A relay's back socket connected to `to` (the sending end, also reading the replies of `to`), or undefined when the
 * addon is not to be used.
 */
export function connectNativeRelaySocket(
  to: Endpoint,
  onDatagram: OnDatagram,
  path = NATIVE_ADDON_PATH,
): NativeRelaySocket | undefined {
  const addon = usableAddon(path);
  if (!addon) return undefined;
  const [host, port, ipv6] = socketArgs(to);
  const fd = addon.connect(host, port, ipv6, SOCKET_BUFFER_BYTES, SOCKET_BUFFER_BYTES);
  return new NativeRelaySocket(addon, fd, ipv6 ? '::' : '0.0.0.0', REPLY_SLOTS, false, onDatagram);
}
