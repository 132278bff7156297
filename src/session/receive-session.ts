import { randomInt } from 'node:crypto';
import type { Frame, FrameGeometry } from '../frame.js';
import type { PayloadFormat } from '../rtp/formats/index.js';
import { createParsedRtpHeader, parseRtpHeader, type ParsedRtpHeader } from '../rtp/rtp-header.js';
import { createStreamReader, type StreamReader, type StreamReaderOptions } from '../rtp/stream-reader.js';
import { DEFAULT_LATENCY_US, type AssemblyInfo, type OnFrame } from './assembler.js';
import type { ReceiveContext, ReceiveInterceptor } from './interceptor.js';
import { dispatchRtcp, type FeatureErrors } from './rtcp-dispatch.js';

/** Where the receiver's own datagrams go: RTCP to the sender. */
export interface ReceivePorts {
  sendRtcp(datagram: Buffer): void;
}

/**
 * A receiver's features in their fixed order around its stream reader. The RTP header of each datagram is parsed
 * once, here, for every feature and the reader; frames the assembler hands over go through the features and then
 * to `onFrame` (the sinks).
 */
export class ReceiveSession {
  readonly reader: StreamReader;
  /** Errors features threw on incoming RTCP: counted, with the first; reception goes on. */
  readonly featureErrors: FeatureErrors = { count: 0, first: '' };
  /** RTCP datagrams from the sender that did not parse (the features' context reads it). */
  private rtcpMalformed = 0;
  private readonly header = createParsedRtpHeader();
  private readonly rtp: boolean;
  private readonly frameHooks: OnFrame[];

  constructor(
    readonly interceptors: readonly ReceiveInterceptor[],
    format: PayloadFormat,
    geometry: FrameGeometry,
    readerOptions: StreamReaderOptions,
    private readonly ports: ReceivePorts,
    private readonly onFrame: OnFrame,
    cname: string,
  ) {
    const names = new Set<string>();
    for (const i of interceptors) {
      if (names.has(i.name)) throw new Error(`two receive features are named '${i.name}'`);
      names.add(i.name);
    }
    this.rtp = format.framing === 'rtp';
    this.frameHooks = interceptors.flatMap((i) => (i.onFrameIn ? [i.onFrameIn.bind(i)] : []));
    this.reader = createStreamReader(format, geometry, this.frameIn, readerOptions);
    const latencyUs = readerOptions.latencyUs ?? DEFAULT_LATENCY_US;
    const localSsrc = randomInt(0x100000000);
    const session = this;
    interceptors.forEach((feature, k) => {
      const context: ReceiveContext = {
        clockRate: format.clockRate,
        cname,
        localSsrc,
        latencyUs,
        get ssrc() {
          return session.reader.ssrc;
        },
        get rtcpMalformed() {
          return session.rtcpMalformed;
        },
        sendRtcp: (datagram) => this.sendRtcp(datagram),
        // A header of its own: the feature may inject while the datagram it was handed still uses the shared one.
        inject: (datagram, arrivalUs) => this.packetFrom(k + 1, datagram, arrivalUs, createParsedRtpHeader()),
      };
      feature.bind?.(context);
    });
  }

  /** One media datagram off the socket, hostile until parsed. */
  packetIn(datagram: Buffer, arrivalUs: number): void {
    this.packetFrom(0, datagram, arrivalUs, this.header);
  }

  /** An RTCP datagram from the sender, hostile until parsed: parsed here once, for every feature. */
  rtcpIn(datagram: Buffer, arrivalUs: number): void {
    if (!dispatchRtcp(this.interceptors, datagram, arrivalUs, this.featureErrors)) this.rtcpMalformed++;
  }

  sendRtcp(datagram: Buffer): void {
    for (const i of this.interceptors) i.onRtcpOut?.(datagram);
    this.ports.sendRtcp(datagram);
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

  /** Runs a datagram through the features from index `first` on, then the reader, its header parsed into `into`. */
  private packetFrom(first: number, datagram: Buffer, arrivalUs: number, into: ParsedRtpHeader): void {
    const header = this.rtp && parseRtpHeader(datagram, into) ? into : undefined;
    const features = this.interceptors;
    for (let k = first; k < features.length; k++) {
      const hook = features[k]!.onPacketIn;
      if (hook && hook.call(features[k], datagram, header, arrivalUs) === false) return;
    }
    this.reader.accept(datagram, header, arrivalUs);
  }

  private readonly frameIn = (frame: Frame, info: AssemblyInfo): void => {
    const hooks = this.frameHooks;
    for (let k = 0; k < hooks.length; k++) hooks[k]!(frame, info);
    this.onFrame(frame, info);
  };
}
