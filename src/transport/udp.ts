import dgram from 'node:dgram';
import type { Frame } from '../frame.js';
import type { Packetizer } from '../rtp/payload-format.js';
import { isIpv6, socketHost, type Endpoint } from './endpoint.js';

/** Socket buffers large enough to absorb a 1080p frame burst (~6 MB) while the event loop is busy. */
export const SOCKET_BUFFER_BYTES = 32 * 1024 * 1024;

function socketType(host: string): 'udp4' | 'udp6' {
  return isIpv6(host) ? 'udp6' : 'udp4';
}

function enlargeBuffers(socket: dgram.Socket): void {
  // The kernel caps these at net.core.[rw]mem_max; a smaller buffer still works, it only drops sooner.
  try { socket.setRecvBufferSize(SOCKET_BUFFER_BYTES); } catch { /* capped by the kernel */ }
  try { socket.setSendBufferSize(SOCKET_BUFFER_BYTES); } catch { /* capped by the kernel */ }
}

export async function bindSocket(listen: Endpoint): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: socketType(listen.host), reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(listen.port, socketHost(listen), () => {
      socket.off('error', reject);
      resolve();
    });
  });
  enlargeBuffers(socket);
  // An 'error' event with no listener would crash the process; callers that count errors add their own.
  socket.on('error', () => undefined);
  return socket;
}

/** A socket connected to `to`, so each send skips the address lookup. */
export async function connectSocket(to: Endpoint): Promise<dgram.Socket> {
  const socket = dgram.createSocket(socketType(to.host));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(to.port, socketHost(to), () => {
      socket.off('error', reject);
      resolve();
    });
  });
  enlargeBuffers(socket);
  // An ICMP port-unreachable (nobody listening yet, or any more) surfaces as 'error' (recvmsg ECONNREFUSED) when
  // the loop polls before the next send; unhandled it would crash the sender. When the next send picks it up
  // instead, its callback gets the error and the sender counts it in sendErrors.
  socket.on('error', () => undefined);
  return socket;
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try { socket.close(() => resolve()); } catch { resolve(); }
  });
}

/** How a sender's frames reach the kernel: node:dgram (one send per packet) or the native addon (sendmmsg). */
export type SendPath = 'dgram' | 'sendmmsg';

/** A connected sending socket that takes whole frames. One frame at a time: await each sendFrame. */
export interface FrameLink {
  readonly path: SendPath;
  /**
   * Packetizes `frame` and sends every packet; resolves, once the headers and pixels are no longer needed, to
   * how many packets the OS refused (they are lost).
   */
  sendFrame(packetizer: Packetizer, frame: Frame): Promise<number>;
  close(): Promise<void>;
}

/**
 * The portable path: one scatter-gather socket.send([header, payload]) per packet. node:dgram does not copy, so a
 * frame is done only when the callback of its last send has fired.
 */
export class DgramFrameLink implements FrameLink {
  readonly path = 'dgram' as const;
  private outstanding = 0;
  private refused = 0;
  private frameSent: ((refused: number) => void) | undefined;

  constructor(private readonly socket: dgram.Socket) {}

  sendFrame(packetizer: Packetizer, frame: Frame): Promise<number> {
    const done = new Promise<number>((resolve) => { this.frameSent = resolve; });
    this.refused = 0;
    this.outstanding = 1; // held until every packet is queued, so an early callback cannot finish the frame
    packetizer.packetize(frame, this.emit);
    this.onSent(null);
    return done;
  }

  close(): Promise<void> {
    return closeSocket(this.socket);
  }

  private readonly emit = (header: Buffer, payload: Buffer): void => {
    this.outstanding++;
    this.socket.send([header, payload], this.onSent);
  };

  private readonly onSent = (err: Error | null): void => {
    if (err) this.refused++;
    if (--this.outstanding === 0) this.frameSent?.(this.refused);
  };
}

/** Told about each datagram; the buffer may be reused once the call returns (copy what must be kept). */
export type OnDatagram = (datagram: Buffer) => void;

/** A bound receiving socket that hands each datagram to an OnDatagram until closed. */
export interface DatagramInput {
  readonly address: Endpoint;
  /** No datagram is delivered after this is called. */
  close(): Promise<void>;
}

/** The portable path: one node:dgram 'message' event per datagram. */
export async function bindDgramInput(listen: Endpoint, onDatagram: OnDatagram): Promise<DatagramInput> {
  const socket = await bindSocket(listen);
  const { address, port } = socket.address();
  socket.on('message', onDatagram);
  return {
    address: { host: address, port },
    close: () => {
      socket.off('message', onDatagram);
      return closeSocket(socket);
    },
  };
}
