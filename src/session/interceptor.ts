import type { Frame } from '../frame.js';
import type { RtcpMessage } from '../rtcp/rtcp-message.js';
import type { OutgoingPackets } from '../rtp/outgoing-packets.js';
import type { ParsedRtpHeader } from '../rtp/rtp-header.js';
import type { AssemblyInfo } from './assembler.js';
import type { HistoryReader, HistoryRequest } from './send-history.js';

/*
 * Features are interceptors, after pion/interceptor: each sees the packets of its side in a fixed, written order
 * and keeps its own state; none reaches into another's. A feature acts on the stream only through its context.
 *
 *   sender:   frame -> stream writer -> [onFrameOut ...] -> socket ------> network
 *                                        [onRtcpIn ...]  <- socket <------ (RTCP from the receiver)
 *   receiver: network -> socket -> [onPacketIn ...] -> stream reader -> assembler -> [onFrameIn ...] -> sinks
 *                                  [onRtcpOut ...]  -> socket -> (RTCP to the sender)
 *
 * Both sides also see the RTCP they send (onRtcpOut) and receive (onRtcpIn). Incoming RTCP is parsed once, by the
 * session, for every feature; a datagram that does not parse reaches none of them and is counted (rtcpMalformed).
 */

/** What a sender offers its features. */
export interface SendContext {
  /** The stream's RTP identity (undefined on bare wires). */
  readonly ssrc: number | undefined;
  readonly payloadType: number | undefined;
  /** Hz of the RTP timestamps. */
  readonly clockRate: number;
  /** This endpoint's RTCP CNAME (RFC 3550 section 6.5.1). */
  readonly cname: string;
  /** RTCP datagrams from the receiver that did not parse, so far: the session counts them, no feature sees them. */
  readonly rtcpMalformed: number;
  /** Packets a second the stream is expected to send (fps x packets a frame), when both are fixed. */
  readonly packetRate: number | undefined;
  /** The RTP timestamp of wall-clock time `timeUs` on this stream's clock (for RTCP sender reports). */
  rtpTimestampAt(timeUs: number): number | undefined;
  /** Sends one datagram on the media path now (a retransmission, a repair packet); features see it in onPacketOut. */
  sendMedia(datagram: Buffer): void;
  /** Sends one RTCP datagram to the receiver (the RTCP port, or the RTP port when muxed). */
  sendRtcp(datagram: Buffer): void;
  /**
   * The bytes of packets already sent, kept beyond the reuse of their frame's buffer. Ask in bind(): the history is
   * made once every feature is bound, sized to cover every request, so a sender whose features never ask keeps
   * nothing and copies nothing.
   */
  history(request: HistoryRequest): HistoryReader;
}

export interface SendInterceptor {
  /** Its key in the sender's report, and in messages. */
  readonly name: string;
  bind?(context: SendContext): void;
  /** Every packet of a frame, numbered, before it is handed to the socket. */
  onFrameOut?(packets: OutgoingPackets, frame: Frame): void;
  /** A datagram sent on the media path outside the frames (through SendContext.sendMedia). */
  onPacketOut?(datagram: Buffer): void;
  /** A compound RTCP datagram that arrived from the receiver, as the session parsed it. */
  onRtcpIn?(message: RtcpMessage, arrivalUs: number): void;
  onRtcpOut?(datagram: Buffer): void;
  /**
   * After the last frame: how much longer, in ms, this feature still has work on the open sockets (RTX answering the
   * NACKs for the last frames); 0 when done. Asked until every feature says 0.
   */
  lingerMs?(): number;
  /** After the last frame (and any lingering), before the sockets close (a final RTCP BYE, say). */
  finish?(): void;
  /** What it measured, for the sender's report under its name. */
  report?(): unknown;
}

/** What a receiver offers its features; each feature gets its own, whose inject() starts after that feature. */
export interface ReceiveContext {
  readonly clockRate: number;
  /** This endpoint's RTCP CNAME (RFC 3550 section 6.5.1). */
  readonly cname: string;
  /** This receiver's own SSRC, the sender SSRC of the RTCP it sends (RFC 3550 section 6.4.2). */
  readonly localSsrc: number;
  /** The SSRC the stream reader follows (undefined before the first packet, and on bare wires). */
  readonly ssrc: number | undefined;
  /** How long a frame waits for missing packets once a newer frame has started, µs (the assembler's deadline). */
  readonly latencyUs: number;
  /** RTCP datagrams from the sender that did not parse, so far: the session counts them, no feature sees them. */
  readonly rtcpMalformed: number;
  /** Sends one RTCP datagram to the sender (where its RTCP comes from, or the RTP source when muxed). */
  sendRtcp(datagram: Buffer): void;
  /**
   * Hands a datagram on as if it had just arrived (a retransmitted or repaired packet): to the features after this
   * one, then the stream reader.
   */
  inject(datagram: Buffer, arrivalUs: number): void;
}

export interface ReceiveInterceptor {
  readonly name: string;
  bind?(context: ReceiveContext): void;
  /**
   * Every media datagram, before the stream reader: its RTP header when it parsed (undefined for bare wires and
   * datagrams that are not RTP). Return false to consume it (a dual-path merger dropping the second copy).
   */
  onPacketIn?(datagram: Buffer, header: ParsedRtpHeader | undefined, arrivalUs: number): boolean | void;
  /** Every frame the assembler hands over, complete or not. `frame.data` is valid only during the call. */
  onFrameIn?(frame: Frame, info: AssemblyInfo): void;
  /** A compound RTCP datagram that arrived from the sender, as the session parsed it. */
  onRtcpIn?(message: RtcpMessage, arrivalUs: number): void;
  onRtcpOut?(datagram: Buffer): void;
  /** At the end of reception, before the sockets close. */
  finish?(): void;
  report?(): unknown;
}
