import { frameBytes, geometryOf, validateGeometry, type Frame, type FrameGeometry } from '../frame.js';
import { UsageError } from '../usage-error.js';
import { assertFrameFits } from './frame-check.js';
import type {
  Depacketizer,
  DepacketizerStats,
  EmitPacket,
  OnFrame,
  PacketTable,
  Packetizer,
} from './payload-format.js';
import { emptyStats } from './depacketizer-stats.js';
import { MAX_UDP_PAYLOAD } from './udp-limits.js';

const NO_HEADER = Buffer.alloc(0);

/** The original program's wire: one datagram carries one whole frame, with no header at all. */
export class RawPacketizer implements Packetizer {
  readonly packetsPerFrame = 1;
  readonly table: PacketTable;
  private readonly geometry: FrameGeometry;
  private readonly bytes: number;

  constructor(geometry: FrameGeometry) {
    this.geometry = validateGeometry(geometryOf(geometry), 'geometry');
    this.bytes = frameBytes(geometry);
    if (this.bytes > MAX_UDP_PAYLOAD) {
      const { width, height, format } = geometry;
      throw new UsageError(
        `--wire raw: a ${width}x${height} ${format} frame is ${this.bytes} bytes, more than the ` +
          `${MAX_UDP_PAYLOAD} one UDP datagram can carry (use --wire rtp)`,
      );
    }
    this.table = {
      headers: NO_HEADER,
      headerOffsets: Uint32Array.of(0, 0),
      payloadOffsets: Uint32Array.of(0, this.bytes),
    };
  }

  packetize(frame: Frame, emit: EmitPacket): void {
    this.writeHeaders(frame);
    emit(NO_HEADER, frame.data);
  }

  /** There is no header: this only checks the frame, as packetize() does. */
  writeHeaders(frame: Frame): void {
    assertFrameFits(frame, this.geometry, this.bytes);
  }
}

/** Takes each datagram of exactly one frame's size as a complete frame; any other size is malformed. */
export class RawDepacketizer implements Depacketizer {
  readonly stats: DepacketizerStats = emptyStats();
  private readonly geometry: FrameGeometry;
  private readonly buffer: Buffer;
  private handedOver = 0;

  constructor(
    geometry: FrameGeometry,
    private readonly onFrame: OnFrame,
  ) {
    this.geometry = validateGeometry(geometryOf(geometry), 'geometry');
    this.buffer = Buffer.alloc(frameBytes(geometry));
  }

  push(datagram: Buffer, arrivalUs: number): void {
    this.stats.packetsReceived++;
    this.stats.bytesReceived += datagram.length;
    if (datagram.length !== this.buffer.length) {
      this.stats.packetsMalformed++;
      return;
    }
    // Copied so the frame handed over is pooled like RTP frames, whatever the socket does with its buffer.
    datagram.copy(this.buffer);
    this.stats.framesComplete++;
    const { width, height, format } = this.geometry;
    this.onFrame(
      { width, height, format, data: this.buffer, index: this.handedOver++, captureTimeUs: arrivalUs },
      { complete: true, bytesMissing: 0, packets: 1, firstArrivalUs: arrivalUs, lastArrivalUs: arrivalUs },
    );
  }

  /** Nothing is ever held back: every frame is handed over by the push that carried it. */
  flush(): void {}
}
