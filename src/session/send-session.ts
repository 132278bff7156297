import type { Frame } from '../frame.js';
import type { OutgoingPackets } from '../rtp/outgoing-packets.js';
import type { SendContext, SendInterceptor } from './interceptor.js';
import { dispatchRtcp, type FeatureErrors } from './rtcp-dispatch.js';
import { SendHistory, type HistoryReader, type HistoryRequest } from './send-history.js';

/** Where the sender's datagrams go: its sockets. */
export interface SendPorts {
  sendMedia(datagram: Buffer): void;
  sendRtcp(datagram: Buffer): void;
}

/** The stream a sender's features act on. */
export interface SendStream {
  readonly ssrc: number | undefined;
  readonly payloadType: number | undefined;
  readonly clockRate: number;
  readonly cname: string;
  readonly packetRate: number | undefined;
  rtpTimestampAt(timeUs: number): number | undefined;
  /** The largest datagram the stream sends: the size of a history slot. */
  readonly maxDatagramBytes: number;
}

/**
 * A sender's features in their fixed order, and the context they share. Each hook runs the features that have it,
 * in order; a feature that throws on incoming RTCP (whatever a hostile peer sent) is counted, never allowed to stop
 * sending.
 */
export class SendSession implements SendContext {
  /** Errors features threw on incoming RTCP (a bug in a feature, never in the stream): counted, with the first. */
  readonly featureErrors: FeatureErrors = { count: 0, first: '' };
  private malformed = 0;
  private readonly requests: HistoryRequest[] = [];
  private store: SendHistory | undefined;

  constructor(
    readonly interceptors: readonly SendInterceptor[],
    private readonly stream: SendStream,
    private readonly ports: SendPorts,
    private readonly now: () => number,
  ) {
    const names = new Set<string>();
    for (const i of interceptors) {
      if (names.has(i.name)) throw new Error(`two send features are named '${i.name}'`);
      names.add(i.name);
    }
    for (const i of interceptors) i.bind?.(this);
    if (this.requests.length > 0) {
      const packets = Math.max(...this.requests.map((r) => r.packets));
      const maxAgeUs = Math.max(...this.requests.map((r) => r.maxAgeUs ?? Infinity));
      this.store = new SendHistory(packets, stream.maxDatagramBytes, maxAgeUs);
    }
  }

  get ssrc(): number | undefined {
    return this.stream.ssrc;
  }

  get payloadType(): number | undefined {
    return this.stream.payloadType;
  }

  get clockRate(): number {
    return this.stream.clockRate;
  }

  get cname(): string {
    return this.stream.cname;
  }

  get rtcpMalformed(): number {
    return this.malformed;
  }

  get packetRate(): number | undefined {
    return this.stream.packetRate;
  }

  rtpTimestampAt(timeUs: number): number | undefined {
    return this.stream.rtpTimestampAt(timeUs);
  }

  history(request: HistoryRequest): HistoryReader {
    if (this.store) throw new Error('the send history is made once features are bound: ask in bind()');
    this.requests.push(request);
    return { get: (sequence, nowUs) => this.store?.get(sequence, nowUs) };
  }

  /** A frame's packets, numbered, about to be handed to the socket. */
  frameOut(packets: OutgoingPackets, frame: Frame): void {
    this.store?.record(packets, this.now());
    for (const i of this.interceptors) i.onFrameOut?.(packets, frame);
  }

  sendMedia(datagram: Buffer): void {
    for (const i of this.interceptors) i.onPacketOut?.(datagram);
    this.ports.sendMedia(datagram);
  }

  sendRtcp(datagram: Buffer): void {
    for (const i of this.interceptors) i.onRtcpOut?.(datagram);
    this.ports.sendRtcp(datagram);
  }

  /** An RTCP datagram from the receiver, hostile until parsed: parsed here once, for every feature. */
  rtcpIn(datagram: Buffer, arrivalUs: number): void {
    if (!dispatchRtcp(this.interceptors, datagram, arrivalUs, this.featureErrors)) this.malformed++;
  }

  /** The longest any feature still wants the sockets open, ms (0: none). */
  lingerMs(): number {
    return Math.max(0, ...this.interceptors.map((i) => i.lingerMs?.() ?? 0));
  }

  finish(): void {
    for (const i of this.interceptors) i.finish?.();
  }

  /** Each feature's report, by name. */
  reports(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const i of this.interceptors) if (i.report) out[i.name] = i.report();
    return out;
  }
}
