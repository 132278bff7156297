import { createRequire } from 'node:module';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { nowUs } from '../frame.js';
import type { OutgoingPackets } from '../rtp/outgoing-packets.js';
import { isIpv6, socketHost, type Endpoint } from './endpoint.js';
import { SOCKADDR_BYTES, sockaddrOf } from './sockaddr.js';
import type { SourceFilter } from './source-filter.js';
import type { FramePort, GroCounts, OnDatagram, SendPath, UdpPort } from './port.js';
import { monotonicOriginNs } from './monotonic-origin.js';
import { Pacer, type OnPacerRecord, type PacerAddon, type PacerOptions } from './pacer.js';
import { SOCKET_BUFFER_BYTES } from './udp.js';

/**
 * The addon built from native/ by scripts/build-native.mjs (the contract of each function is at its C definition).
 * An fd from bind or connect is the caller's until it is handed to recvStart, which owns it from that call on, whether
 * it returns or throws (except EEXIST: the fd already has a reader, and stays with it); recvStop closes it. So close
 * is only for an fd that never went to recvStart. NativeUdpSocket keeps to this, so nothing else needs to.
 */
interface NativeUdpAddon extends PacerAddon {
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
    segment: boolean,
    result: Int32Array,
  ): number;
  bind(address: string, port: number, ipv6: boolean, receiveBufferBytes: number, sendBufferBytes?: number): number;
  localPort(fd: number): number;
  /** UDP GRO on a socket that reads; false when the kernel has none. */
  enableGro(fd: number): boolean;
  recvStart(
    fd: number,
    slab: Buffer,
    slotBytes: number,
    lengths: Int32Array,
    onBatch: (count: number) => void,
    names?: Buffer,
    stamps?: Float64Array,
    segments?: Int32Array,
  ): object;
  recvStop(handle: object): void;
  /** One datagram to the sockaddr in `name`: 0, or the errno of a refused send. */
  sendTo(fd: number, data: Buffer, name: Buffer): number;
  /** One datagram to a connected socket's peer: 0, or the errno of a refused send. */
  send(fd: number, data: Buffer): number;
  sendDatagrams(fd: number, data: Buffer, offsets: Uint32Array, from: number, segment: boolean, result: Int32Array): number;
  /** CLOCK_REALTIME minus CLOCK_MONOTONIC, ns (native/clocks.c). */
  realtimeOffsetNs(): number;
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

/**
 * UDP GSO on sends and GRO on receives, unless FRAMEWIRE_GSO=0 asks for one datagram per trip through the stack (to
 * compare the paths, or where a middlebox mishandles them). The kernel's own refusal is handled where it happens.
 */
function offloads(): boolean {
  return process.env.FRAMEWIRE_GSO !== '0';
}

function socketArgs(e: Endpoint): [string, number, boolean] {
  const host = socketHost(e);
  return [host, e.port, isIpv6(host)];
}

/** The unspecified address of the family: the local host of a connected socket (the kernel picks the source). */
function anyHost(ipv6: boolean): string {
  return ipv6 ? '::' : '0.0.0.0';
}

/** A socket connected to `to` for sending frames (not yet reading), or undefined when the addon is not to be used. */
export function connectNativeLink(to: Endpoint, path = NATIVE_ADDON_PATH): NativeFrameLink | undefined {
  const addon = usableAddon(path);
  if (!addon) return undefined;
  const [host, port, ipv6] = socketArgs(to);
  return new NativeFrameLink(addon, addon.connect(host, port, ipv6, SOCKET_BUFFER_BYTES, SOCKET_BUFFER_BYTES), anyHost(ipv6));
}

/**
 * A socket bound to `listen` that reads in recvmmsg batches and answers its latest sender, or undefined when the
 * addon is not to be used.
 */
export function bindNativeInput(
  listen: Endpoint,
  onDatagram: OnDatagram,
  path = NATIVE_ADDON_PATH,
  accept?: SourceFilter,
): NativeDatagramInput | undefined {
  const addon = usableAddon(path);
  if (!addon) return undefined;
  const [host, port, ipv6] = socketArgs(listen);
  const fd = addon.bind(host, port, ipv6, SOCKET_BUFFER_BYTES, SOCKET_BUFFER_BYTES);
  return new NativeDatagramInput(addon, fd, host, onDatagram, accept);
}

/** Every datagram fits a slot: 65,535 bytes covers the largest UDP payload over IPv4 and IPv6 (no jumbograms). */
const SLOT_BYTES = 65536;
/** Datagrams per recvmmsg call: enough to amortize the syscall and the call into JS, while the slab stays 4 MB. */
const SLOTS = 64;
/** Room for a struct sockaddr_in6, the largest address recvStart reports. */
const NAME_BYTES = SOCKADDR_BYTES;

/** How a socket receives (see NativeUdpSocket.receive). */
export interface ReceiveOptions {
  /** Datagrams per recvmmsg batch, 1 to 1024; each slot takes 64 KB of slab. */
  slots: number;
  /** Keep the address of the latest sender, so `reply` can answer it. */
  rememberSenders?: boolean;
  /**
   * Hand each datagram its kernel receive stamp (SO_TIMESTAMPNS) as its arrival time, instead of one clock reading
   * per batch: a packet's own arrival, unaffected by how long it waited in the socket buffer or the batch.
   */
  kernelStamps?: boolean;
  /** Deliver only datagrams whose sender this allows (it counts the rest); needs rememberSenders. */
  accept?: SourceFilter;
  /**
   * UDP GRO: the kernel may hand over a run of datagrams (a GSO send's, on loopback) as one buffer, which is split
   * here into the same datagrams, each delivered as without it; they share the buffer's one receive stamp.
   */
  gro?: boolean;
}

/**
 * A UDP socket on the addon, bound or connected, and the one owner of its fd: `close()` closes it exactly once, and
 * a constructor or `receive()` that throws has closed it already. It sends one datagram at a time (`send` to a
 * connected socket's peer, `reply` to whoever sent last) and, once `receive()` is called, reads in recvmmsg batches,
 * driven by libuv readiness on the main thread: one call into JS per batch of datagrams instead of one 'message'
 * event (and one Buffer) each. A datagram is a view of the slab, valid only during onDatagram, which is how the
 * depacketizers use it (they copy what they keep).
 *
 * The subclasses add what differs: NativeFrameLink sends whole frames in sendmmsg calls, NativeDatagramInput is a
 * receiver's bound socket, NativeRelaySocket queues datagrams and flushes them as UDP GSO messages.
 */
export class NativeUdpSocket {
  /** The host it was opened with (the unspecified address for a connected socket) and the port the kernel gave it. */
  readonly address: Endpoint;
  /**
   * Errors the socket reported instead of a datagram: an ICMP port-unreachable for what it sent to a peer that was
   * not listening. Reading goes on, so datagrams flow again once the peer is back.
   */
  receiveErrors = 0;
  /** Datagrams lost on the way out: refused by the kernel (or, in a relay socket, by its full queue). */
  sendErrors = 0;
  /** Set while the kernel may coalesce runs of datagrams for this socket (UDP GRO, asked for and available). */
  gro: GroCounts | undefined;
  /** The fd while open, -1 once closed. */
  protected fd: number;
  /** recvStart's handle while receiving: the fd is then recvStop's to close. */
  private handle: object | undefined;
  private onDatagram: OnDatagram | undefined;
  private accept: SourceFilter | undefined;
  private slab: Buffer | undefined;
  private lengths: Int32Array | undefined;
  /** Per slot, the kernel's receive stamp (wall-clock µs, 0 when none came), when asked for. */
  private stamps: Float64Array | undefined;
  /** Per slot, the size of the datagrams UDP GRO coalesced into it, 0 for a single datagram. */
  private segments: Int32Array | undefined;
  /** One sender address slot per datagram slot, when senders are remembered. */
  private names: Buffer | undefined;
  private lastSender: Buffer | undefined;
  /** The sockaddr of the last endpoint sendTo was given, so repeated sends there build it once. */
  private destination: { endpoint: Endpoint; name: Buffer } | undefined;
  private heardFrom = false;
  /** Kernel stamp minus performance.now() (both µs), and when it was read (see stampToMonotonicUs). */
  private stampOffsetUs = 0;
  private stampOffsetAtMs = -Infinity;
  /** The send thread on this socket, once asked for: closed before the fd. */
  private pacer: Pacer | undefined;

  /** Takes `fd` (from the addon's bind or connect): from here this object closes it, also when this throws. */
  constructor(
    protected readonly addon: NativeUdpAddon,
    fd: number,
    host: string,
  ) {
    this.fd = fd;
    try {
      this.address = { host, port: addon.localPort(fd) };
    } catch (err) {
      this.closeFd();
      throw err;
    }
  }

  /**
   * Starts handing every datagram that arrives to `onDatagram`, in batches of up to `slots`. Once per socket. When it
   * throws the socket is closed (recvStart has taken the fd, and closes it when it fails).
   */
  receive(onDatagram: OnDatagram, { slots, rememberSenders = false, kernelStamps = false, accept, gro = false }: ReceiveOptions): void {
    if (this.fd < 0) throw new Error('receive: the socket is closed');
    if (this.handle) throw new Error('receive: the socket is receiving already');
    try {
      this.slab = Buffer.allocUnsafeSlow(SLOT_BYTES * slots);
      this.lengths = new Int32Array(slots);
      if (kernelStamps) this.stamps = new Float64Array(slots);
      if (gro && this.addon.enableGro(this.fd)) {
        this.gro = { datagrams: 0, buffers: 0 };
        this.segments = new Int32Array(slots);
      }
      if (rememberSenders) {
        this.names = Buffer.alloc(NAME_BYTES * slots);
        this.lastSender = Buffer.alloc(NAME_BYTES);
      }
    } catch (err) {
      this.closeFd();
      throw err;
    }
    this.onDatagram = onDatagram;
    this.accept = accept;
    try {
      this.handle = this.addon.recvStart(
        this.fd, this.slab, SLOT_BYTES, this.lengths, this.onBatch, this.names, this.stamps, this.segments,
      );
    } catch (err) {
      this.fd = -1; // recvStart owned the fd from the call on, and has closed it
      throw err;
    }
  }

  /**
   * Sends `datagram` to a connected socket's peer now (the kernel copies it). True when it left; false when the
   * socket is closed or the kernel refused it (counted in sendErrors: a peer that is not listening, a full buffer).
   */
  send(datagram: Buffer): boolean {
    if (this.fd < 0) return false;
    if (this.addon.send(this.fd, datagram) === 0) return true;
    this.sendErrors++;
    return false;
  }

  /**
   * Sends `datagram` to whoever sent the latest datagram here (receiving with rememberSenders); false when nobody has
   * sent anything yet. A refused send is counted in sendErrors.
   */
  reply(datagram: Buffer): boolean {
    if (!this.heardFrom) return false;
    if (this.fd >= 0 && this.addon.sendTo(this.fd, datagram, this.lastSender!) !== 0) this.sendErrors++;
    return true;
  }

  /** Sends `datagram` to `to` from this socket (bound, not connected); false when the kernel refused it (counted). */
  sendTo(datagram: Buffer, to: Endpoint): boolean {
    if (this.fd < 0) return false;
    if (this.destination?.endpoint !== to) this.destination = { endpoint: to, name: sockaddrOf(to) };
    if (this.addon.sendTo(this.fd, datagram, this.destination.name) === 0) return true;
    this.sendErrors++;
    return false;
  }

  /**
   * A native send thread on this socket that sends queued datagrams at their due times (src/transport/pacer.ts): to
   * the connected peer, or to each datagram's own address; datagrams due together as UDP GSO runs unless
   * options.segment or FRAMEWIRE_GSO=0 says otherwise. One per socket; the socket's close stops it first.
   */
  openPacer(options: PacerOptions, onRecord?: OnPacerRecord): Pacer {
    if (this.fd < 0) throw new Error('openPacer: the socket is closed');
    if (this.pacer) throw new Error('openPacer: the socket has a pacer already');
    this.pacer = new Pacer(this.addon, this.fd, { ...options, segment: options.segment ?? offloads() }, onRecord);
    return this.pacer;
  }

  /**
   * A kernel receive stamp (the arrival time kernelStamps hands over: CLOCK_REALTIME µs) on performance.now()'s clock,
   * in µs: where a relay's delay line counts from. The offset between the clocks is read natively (JS has no
   * sub-millisecond wall clock) and again every second, so a step of the system clock is followed.
   */
  stampToMonotonicUs(stampUs: number): number {
    const nowMs = performance.now();
    if (nowMs - this.stampOffsetAtMs > 1000) {
      this.stampOffsetUs = (this.addon.realtimeOffsetNs() + monotonicOriginNs()) / 1000;
      this.stampOffsetAtMs = nowMs;
    }
    return stampUs - this.stampOffsetUs;
  }

  /** Stops receiving and closes the socket; no datagram is delivered after this. Once is enough; again is harmless. */
  close(): Promise<void> {
    this.closeFd();
    return Promise.resolve();
  }

  /** The fd's one close: by recvStop when receiving, else by close. */
  private closeFd(): void {
    const { fd, handle } = this;
    this.pacer?.close(); // its thread sends on fd: it stops before fd may be reused
    this.fd = -1;
    this.handle = undefined;
    if (handle) this.addon.recvStop(handle);
    else if (fd >= 0) this.addon.close(fd);
  }

  /** count datagrams are in the slab; a negative count is -errno of an error taken off the socket (counted). */
  private readonly onBatch = (count: number): void => {
    if (count < 0) {
      this.receiveErrors++;
      return;
    }
    const { slab, lengths, names, stamps, segments, accept } = this;
    if (names && count > 0 && !accept) {
      names.copy(this.lastSender!, 0, (count - 1) * NAME_BYTES, count * NAME_BYTES);
      this.heardFrom = true;
    }
    const batchUs = nowUs();
    for (let i = 0; i < count && this.handle; i++) {
      if (accept) {
        // A stranger is neither delivered nor answered: the latest sender is the latest one allowed.
        if (!accept.allowsSockaddr(names!, i * NAME_BYTES)) continue;
        names!.copy(this.lastSender!, 0, i * NAME_BYTES, (i + 1) * NAME_BYTES);
        this.heardFrom = true;
      }
      const start = i * SLOT_BYTES;
      const end = start + lengths![i]!;
      const stamp = stamps ? stamps[i]! : 0;
      const arrivalUs = stamp > 0 ? stamp : batchUs;
      const segment = segments ? segments[i]! : 0;
      if (segment > 0 && segment < end - start) {
        this.gro!.buffers++;
        for (let at = start; at < end && this.handle; at += segment) {
          this.gro!.datagrams++;
          this.onDatagram!(slab!.subarray(at, Math.min(at + segment, end)), arrivalUs);
        }
      } else {
        this.onDatagram!(slab!.subarray(start, end), arrivalUs);
      }
    }
  };
}

/** Datagrams per batch a sender reads: feedback (RTCP) is a trickle next to what it sends. */
export const FEEDBACK_SLOTS = 8;

/**
 * A sender's socket, connected to the receiver: sends each frame in a few sendmmsg calls, each run of equal-size
 * packets as one UDP GSO message, and, once receiving, reads what comes back (RTCP). The kernel copies during the
 * call, so the frame and headers are free again as soon as it returns, unless the send buffer filled: then the rest
 * goes after the event loop has had a turn. Its sendErrors count only single sends (`send`); sendFrame returns its own.
 */
export class NativeFrameLink extends NativeUdpSocket implements FramePort {
  /** Feedback is a trickle whose timing nothing measures: one clock reading per batch does. */
  readonly arrivalClock = 'node' as const;
  /** UDP GSO, until the kernel refuses it (no support, or a route whose MTU is below the packets). */
  private segment = offloads();
  /** [packets refused, errno that stopped the call early, 1 when the kernel would not segment], by the addon. */
  private readonly result = new Int32Array(3);

  constructor(addon: NativeUdpAddon, fd: number, host = anyHost(false)) {
    super(addon, fd, host);
  }

  /** 'gso' while frames leave as GSO runs, 'sendmmsg' with GSO off or once the kernel refused it. */
  get path(): SendPath {
    return this.segment ? 'gso' : 'sendmmsg';
  }

  async sendFrame(packets: OutgoingPackets): Promise<number> {
    const { headers, headerOffsets, data, dataOffsets, count } = packets;
    let refused = 0;
    let next = 0;
    for (;;) {
      next = this.addon.sendPackets(this.fd, headers, headerOffsets, data, dataOffsets, next, this.segment, this.result);
      refused += this.result[0]!;
      if (this.result[2] === 1) {
        this.segment = false; // for good: the route will not change under a running sender
        continue;
      }
      if (next === count) return refused;
      await yieldToLoop(); // the send buffer is full: let the kernel drain it
    }
  }
}

/**
 * A receiver's bound socket: reads in recvmmsg batches of up to 64 buffers (UDP GRO may coalesce a run of datagrams
 * into one), each datagram with its kernel receive stamp as its arrival time, and its send() answers the latest sender.
 */
export class NativeDatagramInput extends NativeUdpSocket implements UdpPort {
  readonly path = 'sendmmsg' as const;
  readonly arrivalClock = 'kernel' as const;

  constructor(addon: NativeUdpAddon, fd: number, host: string, onDatagram: OnDatagram, accept?: SourceFilter) {
    super(addon, fd, host);
    this.receive(onDatagram, { slots: SLOTS, rememberSenders: true, kernelStamps: true, accept, gro: offloads() });
  }

  override send(datagram: Buffer, to?: Endpoint): boolean {
    return to ? this.sendTo(datagram, to) : this.reply(datagram);
  }
}

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
export class NativeRelaySocket extends NativeUdpSocket {
  private out: Buffer | undefined;
  /** Datagram i of the queue is out[offsets[i], offsets[i + 1]). */
  private readonly offsets = new Uint32Array(OUT_SLOTS + 1);
  private queued = 0;
  private sent = 0;
  /** UDP GSO, until the kernel refuses it (no support, or a route whose MTU is below the datagrams). */
  private segment = offloads();
  private flushing: NodeJS.Immediate | undefined;
  /** [datagrams refused, errno that stopped the call early, 1 when the kernel would not segment], by the addon. */
  private readonly result = new Int32Array(3);

  constructor(
    addon: NativeUdpAddon,
    fd: number,
    host: string,
    slots: number,
    rememberSenders: boolean,
    onDatagram: OnDatagram,
    kernelStamps = false,
  ) {
    super(addon, fd, host);
    // GRO on the front socket (the one that stamps): an unimpaired relay then takes a sender's GSO run in one read.
    this.receive(onDatagram, { slots, rememberSenders, kernelStamps, gro: kernelStamps && offloads() });
  }

  /** Copies `datagram` into the send queue (a view may be reused right after). */
  queue(datagram: Buffer): void {
    if (this.fd < 0) return;
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

  /** Sends what is queued, then stops receiving and closes the socket. */
  override close(): Promise<void> {
    this.flush();
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    return super.close();
  }

  private fits(datagram: Buffer): boolean {
    return this.queued < OUT_SLOTS && this.offsets[this.queued]! + datagram.length <= OUT_BYTES;
  }

  private readonly flush = (): void => {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    const count = this.queued;
    if (this.sent === count || this.fd < 0) return;
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
}

/**
 * A relay's front socket bound to `listen` (the receiving end, remembering senders to reply to, each datagram with its
 * kernel receive stamp), or undefined when the addon is not to be used.
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
  // Kernel receive stamps: a datagram's delay counts from when it arrived, not from when JS got to it.
  return new NativeRelaySocket(addon, fd, host, SLOTS, true, onDatagram, true);
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
  return new NativeRelaySocket(addon, fd, anyHost(ipv6), REPLY_SLOTS, false, onDatagram);
}
