import { frameBytes } from '../../../frame.js';
import type { PayloadFormat } from '../payload-format.js';
import { RawDepayloader } from './depayloader.js';
import { RawPayloader } from './payloader.js';

/** The original program's wire: a frame is one bare datagram, no header (160x120 rgb24 fits). */
export const raw: PayloadFormat = {
  name: 'raw',
  summary: 'one header-less datagram a frame (the original program\'s wire; frames up to 65,507 bytes)',
  framing: 'bare',
  clockRate: 0,
  defaultPayloadType: 0,
  minPayload: (geometry) => ({ bytes: frameBytes(geometry), carries: 'a whole frame' }),
  createPayloader: (geometry, maxPayloadBytes) => new RawPayloader(geometry, maxPayloadBytes),
  createDepayloader: (geometry) => new RawDepayloader(geometry),
};
