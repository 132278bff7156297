import { frameBytes, geometryOf, type Frame, type FrameGeometry } from '../../../frame.js';
import { assertFrameFits } from '../../frame-check.js';
import type { PayloadLayout, Payloader } from '../payload-format.js';
import { planRfc4175Layout, type PacketPlan } from './layout.js';
import { CONTINUATION_BIT, EXTENDED_SEQUENCE_BYTES, LINE_HEADER_BYTES } from './wire.js';

/**
 * RFC 4175 sender side: the layout is fixed per geometry and MTU, so the payload headers (extended sequence number
 * and line headers) are built once; only the extended sequence number changes from packet to packet.
 */
export class Rfc4175Payloader implements Payloader {
  private readonly fixed: PayloadLayout;
  readonly packetsPerFrame: number;
  private readonly geometry: FrameGeometry;
  private readonly bytes: number;

  constructor(geometry: FrameGeometry, maxPayloadBytes: number) {
    this.geometry = geometryOf(geometry);
    this.bytes = frameBytes(geometry);
    this.fixed = buildLayout(planRfc4175Layout(geometry, maxPayloadBytes));
    this.packetsPerFrame = this.fixed.packets;
  }

  layout(frame: Frame): PayloadLayout {
    assertFrameFits(frame, this.geometry, this.bytes);
    return this.fixed;
  }

  data(frame: Frame): Buffer {
    return frame.data;
  }

  setSequence(headers: Buffer, at: number, extendedSequence: number): void {
    headers[at] = extendedSequence >>> 24;
    headers[at + 1] = (extendedSequence >>> 16) & 0xff;
  }
}

/** All payload headers back to back in one allocation; packets cover the frame in raster order, one after another. */
function buildLayout(plans: PacketPlan[]): PayloadLayout {
  const headerOffsets = new Uint32Array(plans.length + 1);
  plans.forEach((p, i) => {
    headerOffsets[i + 1] = headerOffsets[i]! + EXTENDED_SEQUENCE_BYTES + p.segments.length * LINE_HEADER_BYTES;
  });
  const headers = Buffer.alloc(headerOffsets[plans.length]!);
  plans.forEach((plan, i) => {
    const at = headerOffsets[i]! + EXTENDED_SEQUENCE_BYTES;
    plan.segments.forEach((s, k) => {
      const o = at + k * LINE_HEADER_BYTES;
      headers.writeUInt16BE(s.length, o);
      headers.writeUInt16BE(s.line, o + 2);
      headers.writeUInt16BE(s.offset | (k < plan.segments.length - 1 ? CONTINUATION_BIT : 0), o + 4);
    });
  });
  const dataOffsets = Uint32Array.from([...plans.map((p) => p.dataStart), plans.at(-1)?.dataEnd ?? 0]);
  return { packets: plans.length, headers, headerOffsets, dataOffsets };
}
