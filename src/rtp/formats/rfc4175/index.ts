import { pixelGroup } from '../../../frame.js';
import type { PayloadFormat } from '../payload-format.js';
import { Rfc4175Depayloader } from './depayloader.js';
import { minRfc4175Payload } from './layout.js';
import { Rfc4175Payloader } from './payloader.js';
import { DEFAULT_PAYLOAD_TYPE, VIDEO_CLOCK_HZ } from './wire.js';

/** Uncompressed video over RTP, RFC 4175 (the payload of SMPTE ST 2110-20). */
export const rfc4175: PayloadFormat = {
  name: 'rtp',
  summary: 'RTP with RFC 4175 uncompressed video (ST 2110-20 payload)',
  framing: 'rtp',
  clockRate: VIDEO_CLOCK_HZ,
  defaultPayloadType: DEFAULT_PAYLOAD_TYPE,
  minPayload: (geometry) => ({
    bytes: minRfc4175Payload(geometry),
    carries: `one ${geometry.format} pixel group (${pixelGroup(geometry.format).bytes} bytes) with its headers`,
  }),
  createPayloader: (geometry, maxPayloadBytes) => new Rfc4175Payloader(geometry, maxPayloadBytes),
  createDepayloader: (geometry) => new Rfc4175Depayloader(geometry),
};
