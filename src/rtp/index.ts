import type { FrameGeometry } from '../frame.js';
import { UsageError } from '../usage-error.js';
import {
  WIRES,
  type Depacketizer,
  type DepacketizerOptions,
  type OnFrame,
  type Packetizer,
  type PacketizerOptions,
  type Wire,
} from './payload-format.js';
import { RawDepacketizer, RawPacketizer } from './raw.js';
import { Rfc4175Depacketizer } from './rfc4175-depacketizer.js';
import { Rfc4175Packetizer } from './rfc4175-packetizer.js';

export * from './payload-format.js';
export { RawDepacketizer, RawPacketizer } from './raw.js';
export {
  DEFAULT_FRAMES_IN_FLIGHT,
  MAX_FRAMES_IN_FLIGHT,
  Rfc4175Depacketizer,
  SSRC_TAKEOVER_US,
} from './rfc4175-depacketizer.js';
export { Rfc4175Packetizer, planRfc4175Layout, type PacketPlan, type Segment } from './rfc4175-packetizer.js';
export { DEFAULT_PAYLOAD_TYPE, VIDEO_CLOCK_HZ, videoTimestamp } from './rfc4175-format.js';
export { IPV4_UDP_OVERHEAD, MAX_UDP_PAYLOAD } from './udp-limits.js';
export { buildSdp, parseSdp, type SdpOptions, type SdpStream } from './sdp.js';

export function parseWire(text: string, field = '--wire'): Wire {
  if ((WIRES as readonly string[]).includes(text)) return text as Wire;
  throw new UsageError(`${field}: '${text}' is not a wire format (one of ${WIRES.join(', ')})`);
}

/** The raw wire ignores the RTP options: it has no header to put them in. */
export function createPacketizer(wire: Wire, geometry: FrameGeometry, options: PacketizerOptions): Packetizer {
  return wire === 'raw' ? new RawPacketizer(geometry) : new Rfc4175Packetizer(geometry, options);
}

export function createDepacketizer(
  wire: Wire,
  geometry: FrameGeometry,
  onFrame: OnFrame,
  options: DepacketizerOptions = {},
): Depacketizer {
  return wire === 'raw' ? new RawDepacketizer(geometry, onFrame) : new Rfc4175Depacketizer(geometry, onFrame, options);
}
