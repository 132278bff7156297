/** RTP and the wires framewire speaks: payload formats by name, the stream writer and reader, SDP. */
export { payloadFormat, payloadFormatNames, registerPayloadFormat, PayloadRuns } from './formats/index.js';
export type { Depayloader, PayloadFormat, PayloadLayout, Payloader, Wire } from './formats/index.js';
export { createStreamWriter, type StreamWriter, type StreamWriterOptions } from './stream-writer.js';
export {
  createStreamReader,
  SSRC_TAKEOVER_US,
  type ReaderCounts,
  type StreamReader,
  type StreamReaderOptions,
  type StreamStats,
} from './stream-reader.js';
export { packetBytes, type OutgoingPackets } from './outgoing-packets.js';
export { planRfc4175Layout, type PacketPlan, type Segment } from './formats/rfc4175/layout.js';
export { DEFAULT_PAYLOAD_TYPE, VIDEO_CLOCK_HZ } from './formats/rfc4175/wire.js';
export { IPV4_UDP_OVERHEAD, MAX_UDP_PAYLOAD } from './udp-limits.js';
export { buildSdp, parseSdp, type SdpOptions, type SdpStream } from './sdp.js';
