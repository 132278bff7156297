import type { Frame, FrameGeometry } from '../frame.js';
import type { PayloadFormat } from '../rtp/formats/index.js';
import { createParsedRtpHeader, parseRtpHeader, type ParsedRtpHeader } from '../rtp/rtp-header.js';
import { createStreamReader, type StreamReader, type StreamReaderOptions } from '../rtp/stream-reader.js';
import type { AssemblyInfo, OnFrame } from './assembler.js';
import type { ReceiveContext, ReceiveInterceptor } from './interceptor.js';

/** Where the receiver's own datagrams go: RTCP to the sender. */
export interface ReceivePorts {
  sendRtcp(datagram: Buffer): void;
}

type PacketHook = (datagram: Buffer, header: ParsedRtpHeader | undefined, arrivalUs: number) => boolean | void;

/**
 * A receiver's features in their fixed order around its stream reader. The RTP header of each datagram is parsed
 * once, here, for every feature and the reader; frames the assembler hands over go through the features and then
 * to `onFrame` (the sinks).
 */
export class ReceiveSession implements ReceiveContext {
  readonly reader: StreamReader;
  /** Errors features threw on incoming RTCP: counted, with the first; reception goes on. */
  readonly featureErrors = { count: 0, first: '' };
  private readonly header = createParsedRtpHeader();
  private readonly rtp: boolean;
  private readonly packetHooks: PacketHook[];
  private readonly frameHooks: OnFrame[];

  constructor(
    readonly interceptors: readonly ReceiveInterceptor[],
    private readonly format: PayloadFormat,
    geometry: FrameGeometry,
    readerOptions: StreamReaderOptions,
    private readonly ports: ReceivePorts,
    private readonly onFrame: OnFrame,
  ) {
    const names = new Set<string>();
    for (const i of interceptors) {
      if (names.has(i.name)) throw new Error(`two receive features are named '${i.name}'`);
      names.add(i.name);
    }
    this.rtp = format.framing === 'rtp';
    this.packetHooks = interceptors.flatMap((i) => (i.onPacketIn ? [i.onPacketIn.bind(i)] : []));
    this.frameHooks = interceptors.flatMap((i) => (i.onFrameIn ? [i.onFrameIn.bind(i)] : []));
    this.reader = createStreamReader(format, geometry, this.frameIn, readerOptions);
    for (const i of interceptors) i.bind?.(this);
  }

  get clockRate(): number {
    return this.format.clockRate;
  }

  /** One media datagram off the socket, hostile until parsed. */
  packetIn(datagram: Buffer, arrivalUs: number): void {
    const header = this.rtp && parseRtpHeader(datagram, this.header) ? this.header : undefined;
    const hooks = this.packetHooks;
    for (let k = 0; k < hooks.length; k++) if (hooks[k]!(datagram, header, arrivalUs) === false) return;
    this.reader.accept(datagram, header, arrivalUs);
  }

  rtcpIn(datagram: Buffer, arrivalUs: number): void {
    for (const i of this.interceptors) {
      if (!i.onRtcpIn) continue;
      try {
        i.onRtcpIn(datagram, arrivalUs);
      } catch (err) {
        if (this.featureErrors.count++ === 0) this.featureErrors.first = `${i.name}: ${(err as Error).message}`;
      }
    }
  }

  sendRtcp(datagram: Buffer): void {
    for (const i of this.interceptors) i.onRtcpOut?.(datagram);
    this.ports.sendRtcp(datagram);
  }

  inject(datagram: Buffer, arrivalUs: number): void {
    this.reader.push(datagram, arrivalUs);
  }

  /** Gives up frames whose deadline has passed: for the receiver's timer, when no packet comes to do it. */
  expire(nowUs: number): void {
    this.reader.assembler.expire(nowUs);
  }

  /** The end of reception: every frame in flight is handed over, then the features finish. */
  finish(): void {
    this.reader.flush();
    for (const i of this.interceptors) i.finish?.();
  }

  reports(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const i of this.interceptors) if (i.report) out[i.name] = i.report();
    return out;
  }

  private readonly frameIn = (frame: Frame, info: AssemblyInfo): void => {
    const hooks = this.frameHooks;
    for (let k = 0; k < hooks.length; k++) hooks[k]!(frame, info);
    this.onFrame(frame, info);
  };
}
