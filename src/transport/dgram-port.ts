import type dgram from 'node:dgram';
import { nowUs } from '../frame.js';
import type { OutgoingPackets } from '../rtp/outgoing-packets.js';
import { socketHost, type Endpoint } from './endpoint.js';
import type { FramePort, OnDatagram, UdpPort } from './port.js';
import type { SourceFilter } from './source-filter.js';
import { bindSocket, closeSocket, connectSocket } from './udp.js';

/**
 * The portable path, on node:dgram: one 'message' event per datagram in, one send per datagram out. node:dgram
 * does not copy what it sends: a buffer given to send() must not change until its callback has fired.
 */
class DgramPort implements UdpPort {
  readonly address: Endpoint;
  readonly path = 'dgram' as const;
  /** node:dgram has no kernel receive stamps: Node's clock as each 'message' event runs. */
  readonly arrivalClock = 'node' as const;
  sendErrors = 0;
  receiveErrors = 0;
  /** Where a bound port answers: whoever sent to it last. */
  private peer: { address: string; port: number } | undefined;
  private closed = false;
  /** Sends dgram has not finished: it resolves the address first, and a close in between drops them. */
  private pending = 0;
  private drained: (() => void) | undefined;

  constructor(
    protected readonly socket: dgram.Socket,
    private readonly connected: boolean,
    onDatagram: OnDatagram,
    accept?: SourceFilter,
  ) {
    const { address, port } = socket.address();
    this.address = { host: address, port };
    // An ICMP port unreachable surfaces as 'error' (recvmsg ECONNREFUSED) when the loop polls before the next send.
    socket.on('error', () => void this.receiveErrors++);
    socket.on('message', (msg, rinfo) => {
      if (accept && !accept.allowsAddress(rinfo.address)) return; // neither delivered nor answered
      if (!connected && (this.peer?.port !== rinfo.port || this.peer.address !== rinfo.address)) {
        this.peer = { address: rinfo.address, port: rinfo.port };
      }
      onDatagram(msg, nowUs());
    });
  }

  send(datagram: Buffer, to?: Endpoint): boolean {
    if (this.closed) return false;
    // A copy: the caller may reuse its buffer at once, and dgram reads it only later.
    const copy = Buffer.from(datagram);
    this.pending++;
    if (to) this.socket.send(copy, to.port, socketHost(to), this.onSent);
    else if (this.connected) this.socket.send(copy, this.onSent);
    else if (this.peer) this.socket.send(copy, this.peer.port, this.peer.address, this.onSent);
    else {
      this.pending--;
      return false;
    }
    return true;
  }

  /** Closes once what was sent has left, so a last datagram (an RTCP BYE) is not lost to the close. */
  async close(): Promise<void> {
    this.closed = true;
    this.socket.removeAllListeners('message');
    if (this.pending > 0) await new Promise<void>((resolve) => { this.drained = resolve; });
    return closeSocket(this.socket);
  }

  // Without a callback dgram drops a failed send silently (ECONNREFUSED after an ICMP port-unreachable, ...).
  protected readonly onSent = (err: Error | null): void => {
    if (err) this.sendErrors++;
    if (--this.pending === 0) this.drained?.();
  };
}

/**
 * A connected dgram port that sends frames as one scatter-gather socket.send([header, payload]) per packet. A frame
 * is done only when the callback of its last send has fired.
 */
class DgramFramePort extends DgramPort implements FramePort {
  private outstanding = 0;
  private refused = 0;
  private frameSent: ((refused: number) => void) | undefined;

  sendFrame(packets: OutgoingPackets): Promise<number> {
    const done = new Promise<number>((resolve) => { this.frameSent = resolve; });
    this.refused = 0;
    this.outstanding = 1; // held until every packet is queued, so an early callback cannot finish the frame
    const { headers, headerOffsets: h, data, dataOffsets: d, count } = packets;
    for (let i = 0; i < count; i++) {
      this.outstanding++;
      this.socket.send([headers.subarray(h[i], h[i + 1]), data.subarray(d[i], d[i + 1])], this.onPacketSent);
    }
    this.onPacketSent(null);
    return done;
  }

  private readonly onPacketSent = (err: Error | null): void => {
    if (err) this.refused++;
    if (--this.outstanding === 0) this.frameSent?.(this.refused);
  };
}

/** A node:dgram socket connected to `to` that sends frames and reads what comes back. */
export async function connectDgramPort(to: Endpoint, onDatagram: OnDatagram): Promise<FramePort> {
  return new DgramFramePort(await connectSocket(to), true, onDatagram);
}

/** A node:dgram socket bound to `listen` that reads and answers its latest sender. */
export async function bindDgramPort(listen: Endpoint, onDatagram: OnDatagram, accept?: SourceFilter): Promise<UdpPort> {
  return new DgramPort(await bindSocket(listen), false, onDatagram, accept);
}
