import type { OutgoingPackets } from '../rtp/outgoing-packets.js';
import type { Endpoint } from './endpoint.js';

/**
 * How datagrams reach the kernel: node:dgram (one call per datagram), or the native addon's sendmmsg batches (a
 * message per datagram), with UDP GSO (a message per run of equal-size datagrams, split by the kernel).
 */
export type SendPath = 'dgram' | 'sendmmsg' | 'gso';

/**
 * Told about each datagram that arrives, with its arrival time in wall-clock µs (the epoch of Date.now, as nowUs()
 * and the frame stamps' capture times): on a receiver's native port the kernel's receive stamp of that datagram
 * (SO_TIMESTAMPNS, CLOCK_REALTIME, with a fraction: a double resolves today's µs to 0.25 µs), elsewhere Node's
 * clock read as the datagram (node:dgram) or its recvmmsg batch (other native sockets) reached JS. `arrivalClock`
 * on the port says which. The buffer may be reused once the call returns: copy what must be kept.
 */
export type OnDatagram = (datagram: Buffer, arrivalUs: number) => void;

/**
 * What UDP GRO did on a port that reads with it: datagrams that arrived coalesced with others into one buffer, and
 * those buffers. Coalesced datagrams share the buffer's one receive stamp (on loopback, the segments of one GSO send,
 * which left together).
 */
export interface GroCounts {
  datagrams: number;
  buffers: number;
}

/** Where a port's arrival times come from: the kernel's per-datagram receive stamps, or Node's clock. */
export type ArrivalClock = 'kernel' | 'node';

/**
 * One UDP socket of a session, on either path. Both ends read and write: a sender's socket is connected to the
 * receiver and reads what comes back (RTCP); a receiver's is bound and answers whoever sent to it last.
 */
export interface UdpPort {
  /** The local address (the real port when 0 was asked for). */
  readonly address: Endpoint;
  readonly path: SendPath;
  /** What the arrival times handed to its OnDatagram are (see OnDatagram). */
  readonly arrivalClock: ArrivalClock;
  /** Present while it reads with UDP GRO (native ports). */
  readonly gro?: GroCounts;
  /**
   * Sends one datagram: to `to` when given (a bound port), else to the peer of a connected port or to the latest
   * sender to a bound one. The buffer may be reused when this returns. False when it did not go (nobody has sent to
   * a bound port yet, or the kernel refused it, which is counted).
   */
  send(datagram: Buffer, to?: Endpoint): boolean;
  /** Single sends (send()) the kernel refused: those datagrams are lost. */
  readonly sendErrors: number;
  /**
   * Errors the socket reported instead of a datagram: an ICMP port unreachable for something sent to a peer that was
   * not listening (on a socket that reads, these surface here rather than on the next send).
   */
  readonly receiveErrors: number;
  /** Nothing is delivered after this is called. */
  close(): Promise<void>;
}

/** A connected port that also takes whole frames. One frame at a time: await each sendFrame. */
export interface FramePort extends UdpPort {
  /**
   * Sends every packet of a frame; resolves, once the headers and data are no longer needed, to how many packets
   * the kernel refused (they are lost).
   */
  sendFrame(packets: OutgoingPackets): Promise<number>;
}

/** Every datagram a port knows it lost: refused sends and errors reported in their place. */
export function portErrors(port: UdpPort | undefined): number {
  return port ? port.sendErrors + port.receiveErrors : 0;
}
