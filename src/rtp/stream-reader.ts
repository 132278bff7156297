import { geometryOf, validateGeometry, type FrameGeometry } from '../frame.js';
import { FrameAssembler, type AssemblerOptions, type OnFrame } from '../session/assembler.js';
import { SettingError } from '../usage-error.js';
import { PayloadRuns, type Depayloader, type PayloadFormat } from './formats/index.js';
import { createParsedRtpHeader, parseRtpHeader, type ParsedRtpHeader } from './rtp-header.js';
import { SEQ_DUPLICATE, SEQ_IMPLAUSIBLE, SEQ_RESTART, SequenceTracker } from './sequence-tracker.js';

/** A sender silent this long may be replaced by another SSRC. */
export const SSRC_TAKEOVER_US = 1_000_000;
/**
 * An RTP timestamp this far (either way) from where the stream's clock should be by now is a new timestamp line, not
 * the stream going on: a sender restarted under the same SSRC (pinned with --ssrc) picks a new random timestamp offset
 * (RFC 3550 section 5.1), while a stream that was cut off (a relay restarted, a link down) comes back with its
 * timestamps advanced by about the time it was away, and its loss is still counted.
 */
export const TIMESTAMP_LINE_JUMP_SEC = 10;

export interface StreamReaderOptions extends AssemblerOptions {
  /** Follow only this SSRC; otherwise follow the first seen and let another take over after 1 s of silence. */
  ssrc?: number;
}

/** What the reader decided about the datagrams it was given. */
export interface ReaderCounts {
  packetsReceived: number;
  bytesReceived: number;
  /** Sequence numbers never seen (gaps), net of late arrivals that filled a gap. */
  packetsLost: number;
  packetsDuplicate: number;
  packetsMalformed: number;
  /** Well-formed packets for a frame already handed over. */
  packetsLate: number;
  packetsForeignSsrc: number;
  ssrcChanges: number;
}

/** The reader's counts and the assembler's, as one report. */
export interface StreamStats extends ReaderCounts {
  framesComplete: number;
  framesIncomplete: number;
  /**
   * Of the incomplete frames, those whose last packet (the RTP marker) came with bytes still missing: packets lost
   * within them, or, with none lost, a sender whose frames are smaller than this receiver's.
   */
  framesShort: number;
  /**
   * Of the incomplete frames, those given up before their deadline because newer frames needed their buffer: the
   * pool was full (its fixed size, or MAX_POOL_BYTES), so the latency budget was not kept for them.
   */
  framesEvicted: number;
}

/** One stream's receive side: datagrams in, frames out through its assembler. */
export interface StreamReader {
  readonly assembler: FrameAssembler;
  /** The SSRC followed (undefined before the first RTP packet, and on bare wires). */
  readonly ssrc: number | undefined;
  readonly stats: StreamStats;
  /** Feeds one untrusted datagram. Never throws: whatever is wrong with it is counted. */
  push(datagram: Buffer, arrivalUs: number): void;
  /** As push, with the RTP header already parsed by the caller (undefined: it did not parse). */
  accept(datagram: Buffer, header: ParsedRtpHeader | undefined, arrivalUs: number): void;
  /** Hands over every frame still in reassembly. Call at the end of the stream. */
  flush(): void;
}

function emptyCounts(): ReaderCounts {
  return {
    packetsReceived: 0, bytesReceived: 0, packetsLost: 0, packetsDuplicate: 0, packetsMalformed: 0, packetsLate: 0,
    packetsForeignSsrc: 0, ssrcChanges: 0,
  };
}

/** Opens the reader a format's framing calls for, with its assembler handing frames to `onFrame`. */
export function createStreamReader(
  format: PayloadFormat,
  geometry: FrameGeometry,
  onFrame: OnFrame,
  options: StreamReaderOptions = {},
): StreamReader {
  const g = validateGeometry(geometryOf(geometry), 'geometry');
  const depayloader = format.createDepayloader(g);
  const rtp = format.framing === 'rtp';
  const assembler = new FrameAssembler(g, depayloader.unitBytes, onFrame, { ...options, rtpTimestamps: rtp });
  return rtp
    ? new RtpStreamReader(depayloader, assembler, options, format.clockRate)
    : new BareStreamReader(depayloader, assembler);
}

abstract class BaseReader implements StreamReader {
  protected readonly counts = emptyCounts();
  protected readonly runs = new PayloadRuns();
  private readonly header = createParsedRtpHeader();

  constructor(
    protected readonly depayloader: Depayloader,
    readonly assembler: FrameAssembler,
  ) {}

  /** The assembler reports it with each frame, so it keeps the one copy. */
  get ssrc(): number | undefined {
    return this.assembler.ssrc;
  }

  get stats(): StreamStats {
    return { ...this.counts, ...this.assembler.stats };
  }

  push(datagram: Buffer, arrivalUs: number): void {
    this.accept(datagram, parseRtpHeader(datagram, this.header) ? this.header : undefined, arrivalUs);
  }

  abstract accept(datagram: Buffer, header: ParsedRtpHeader | undefined, arrivalUs: number): void;

  flush(): void {
    this.assembler.flush();
  }
}

/**
 * RTP framing: owns which SSRC is followed (and when another may take over), the 32-bit extended sequence numbers,
 * duplicate and implausible-jump detection, and restarts; the depayloader says where the payload goes.
 */
class RtpStreamReader extends BaseReader {
  private readonly sequence = new SequenceTracker();
  private readonly pinned: boolean;
  private lastHeardUs = 0;
  /** RTP timestamp of the latest packet and its arrival; a far one seen once since (a new line, if another agrees). */
  private lastTimestamp: number | undefined;
  private lastTimestampUs = 0;
  private farTimestamp: number | undefined;
  private readonly maxTimestampJump: number;

  constructor(
    depayloader: Depayloader,
    assembler: FrameAssembler,
    options: StreamReaderOptions,
    /** The RTP clock, ticks a second. */
    private readonly clockRate: number,
  ) {
    super(depayloader, assembler);
    const ssrc = options.ssrc;
    if (ssrc !== undefined && !(Number.isInteger(ssrc) && ssrc >= 0 && ssrc <= 0xffffffff)) {
      throw new SettingError('ssrc', `${ssrc} must be an integer from 0 to ${0xffffffff}`);
    }
    this.pinned = ssrc !== undefined;
    assembler.ssrc = ssrc;
    this.maxTimestampJump = clockRate * TIMESTAMP_LINE_JUMP_SEC;
  }

  accept(datagram: Buffer, h: ParsedRtpHeader | undefined, arrivalUs: number): void {
    const c = this.counts;
    c.packetsReceived++;
    c.bytesReceived += datagram.length;
    const runs = this.runs;
    if (h === undefined || !this.depayloader.locate(datagram, h.payloadStart, h.payloadEnd, runs)) {
      c.packetsMalformed++;
      return;
    }
    const silentUs = arrivalUs - this.lastHeardUs;
    if (!this.follows(h.ssrc, arrivalUs)) {
      c.packetsForeignSsrc++;
      return;
    }
    if (this.isNewTimestampLine(h.timestamp, arrivalUs)) {
      // A sender restarted under the same SSRC: after a silence of the takeover time at once, else once a second
      // packet agrees (a frame's packets share a timestamp), so one corrupted timestamp cannot flush the frames in flight.
      if (silentUs < SSRC_TAKEOVER_US && h.timestamp !== this.farTimestamp) {
        this.farTimestamp = h.timestamp;
        c.packetsMalformed++;
        return;
      }
      this.assembler.restart();
      this.sequence.reset();
    }
    this.lastTimestamp = h.timestamp;
    this.lastTimestampUs = arrivalUs;
    const seq = this.depayloader.extendedSequence
      ? this.depayloader.extendedSequence(datagram, h.payloadStart, h.payloadEnd, h.sequence)
      : this.sequence.extend(h.sequence);
    const verdict = this.sequence.accept(seq);
    c.packetsLost = this.sequence.lost;
    if (verdict === SEQ_DUPLICATE) {
      c.packetsDuplicate++;
      return;
    }
    if (verdict === SEQ_IMPLAUSIBLE) {
      c.packetsMalformed++;
      return;
    }
    const assembler = this.assembler;
    // A sender restarted under the same SSRC (e.g. pinned with --ssrc) starts a new timestamp line too.
    if (verdict === SEQ_RESTART) assembler.restart();
    if (arrivalUs >= assembler.nextDeadlineUs) assembler.expire(arrivalUs);
    const slot = assembler.open(h.timestamp, arrivalUs);
    if (slot === undefined) {
      c.packetsLate++;
      return;
    }
    assembler.fill(slot, datagram, runs, arrivalUs, h.marker);
  }

  /** The timestamp is far from where the stream's clock should be by now: TIMESTAMP_LINE_JUMP_SEC either way. */
  private isNewTimestampLine(timestamp: number, arrivalUs: number): boolean {
    if (this.lastTimestamp === undefined) return false;
    const expected = (this.lastTimestamp + Math.round(((arrivalUs - this.lastTimestampUs) * this.clockRate) / 1e6)) >>> 0;
    return Math.abs((timestamp - expected) | 0) > this.maxTimestampJump;
  }

  /** Decides whether a packet of `ssrc` is ours, letting a new sender take over from one gone silent. */
  private follows(ssrc: number, arrivalUs: number): boolean {
    const followed = this.assembler.ssrc;
    if (followed === undefined) {
      this.assembler.ssrc = ssrc;
    } else if (ssrc !== followed) {
      if (this.pinned || arrivalUs - this.lastHeardUs < SSRC_TAKEOVER_US) return false;
      this.assembler.restart();
      this.sequence.reset();
      this.lastTimestamp = undefined;
      this.assembler.ssrc = ssrc;
      this.counts.ssrcChanges++;
    }
    this.lastHeardUs = arrivalUs;
    return true;
  }
}

/** Bare framing: no header, no sequence; each datagram the depayloader accepts is a frame of its own. */
class BareStreamReader extends BaseReader {
  private ordinal = 0;

  accept(datagram: Buffer, _header: ParsedRtpHeader | undefined, arrivalUs: number): void {
    const c = this.counts;
    c.packetsReceived++;
    c.bytesReceived += datagram.length;
    if (!this.depayloader.locate(datagram, 0, datagram.length, this.runs)) {
      c.packetsMalformed++;
      return;
    }
    const slot = this.assembler.open(this.ordinal, arrivalUs);
    this.ordinal = (this.ordinal + 1) >>> 0;
    // A bare datagram is its frame, first and last packet.
    if (slot) this.assembler.fill(slot, datagram, this.runs, arrivalUs, true);
  }
}
