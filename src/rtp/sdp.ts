import { isIP } from 'node:net';
import { parse, write, type SessionDescription } from 'sdp-transform';
import { MAX_DIMENSION, validateGeometry, type FrameGeometry, type PixelFormat } from '../frame.js';
import { isIpv6 } from '../transport/endpoint.js';
import { SettingError, UsageError } from '../usage-error.js';
import { DEFAULT_PAYLOAD_TYPE, VIDEO_CLOCK_HZ } from './formats/rfc4175/wire.js';

/** RFC 4175 section 6.1 `sampling` names for the formats we carry; all are 8 bits per sample. */
const SAMPLING: Record<PixelFormat, string> = { rgb24: 'RGB', uyvy: 'YCbCr-4:2:2' };
const DEPTH = 8;

export interface SdpOptions {
  geometry: FrameGeometry;
  /** Where the stream is sent: the receiver listens here. */
  host: string;
  port: number;
  payloadType?: number;
  fps?: number;
  ssrc?: number;
  /** The receiver may ask for lost packets with generic NACK (RFC 4585): RTP/AVPF and a=rtcp-fb:PT nack. */
  nack?: boolean;
  /** Retransmissions come as RFC 4588 RTX on this payload type (a=rtpmap:PT rtx/90000, a=fmtp:PT apt=MEDIA). */
  rtxPayloadType?: number;
  /** RTCP shares the RTP port (RFC 5761: a=rtcp-mux). */
  rtcpMux?: boolean;
  /**
   * The ST 2110-21 sender type the stream keeps to (its SDP parameter TP: 2110TPN narrow, 2110TPW wide), when it
   * paces; absent for a bursting sender, which keeps to neither, so no TP is written rather than a false one.
   */
  senderType?: 'narrow' | 'wide';
}

/** The fmtp TP values of ST 2110-21 sender types. */
const SENDER_TYPE_TP = { narrow: '2110TPN', wide: '2110TPW' } as const;

export interface SdpStream {
  geometry: FrameGeometry;
  host: string;
  port: number;
  payloadType: number;
  fps?: number;
  /** The stream offers generic NACK feedback (a=rtcp-fb:PT nack). */
  nack?: boolean;
  /** Payload type of the stream's RFC 4588 retransmissions (a=fmtp:RTX apt=PT). */
  rtxPayloadType?: number;
  /** a=rtcp-mux: RTCP on the RTP port. */
  rtcpMux?: boolean;
}

function ipVersion(host: string): 4 | 6 {
  return isIpv6(host) ? 6 : 4;
}

/** ST 2110-20 `exactframerate`: an integer, or a ratio when the rate is fractional (29.97 -> 30000/1001). */
function exactFrameRate(fps: number): string {
  if (Number.isInteger(fps)) return String(fps);
  const ntsc = (fps * 1001) / 1000;
  if (Math.abs(ntsc - Math.round(ntsc)) < 1e-3) return `${Math.round(ntsc) * 1000}/1001`;
  return `${Math.round(fps * 1000)}/1000`;
}

/**
 * Describes an RFC 4175 stream so FFmpeg (libavformat rtpdec_rfc4175: sampling, width, height, depth,
 * colorimetry, exactframerate) and GStreamer (rtpvrawdepay caps) can receive it.
 */
export function buildSdp(options: SdpOptions): string {
  const { geometry: g, host, port } = options;
  validateGeometry(g, 'geometry');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SettingError('port', `${port} must be an integer from 1 to 65535`);
  }
  if (host.trim() === '' || /\s/.test(host)) throw new SettingError('host', `'${host}' is not an address`);
  const pt = options.payloadType ?? DEFAULT_PAYLOAD_TYPE;
  if (!Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new SettingError('payloadType', `${pt} must be an integer from 0 to 127`);
  }
  const fps = options.fps;
  if (fps !== undefined && !(Number.isFinite(fps) && fps > 0)) {
    throw new SettingError('fps', `${fps} must be a positive number`);
  }
  const params = [
    `sampling=${SAMPLING[g.format]}`,
    `width=${g.width}`,
    `height=${g.height}`,
    `depth=${DEPTH}`,
    'colorimetry=BT601-5',
  ];
  if (fps !== undefined) params.push(`exactframerate=${exactFrameRate(fps)}`);
  if (options.senderType !== undefined) params.push(`TP=${SENDER_TYPE_TP[options.senderType]}`);
  const rtx = options.rtxPayloadType;
  if (rtx !== undefined && (!Number.isInteger(rtx) || rtx < 96 || rtx > 127 || rtx === pt)) {
    throw new SettingError('rtxPayloadType', `${rtx} must be a dynamic payload type (96 to 127) other than the media's ${pt}`);
  }
  const feedback = options.nack || rtx !== undefined;
  const ipVer = ipVersion(host);
  const session: SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId: 0, sessionVersion: 0, netType: 'IN', ipVer, address: host },
    name: 'framewire',
    connection: { version: ipVer, ip: host },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'video',
        port,
        // RFC 4585 section 4: feedback (NACK) is the AVPF profile.
        protocol: feedback ? 'RTP/AVPF' : 'RTP/AVP',
        payloads: rtx === undefined ? String(pt) : `${pt} ${rtx}`,
        rtp: [
          { payload: pt, codec: 'raw', rate: VIDEO_CLOCK_HZ },
          ...(rtx === undefined ? [] : [{ payload: rtx, codec: 'rtx', rate: VIDEO_CLOCK_HZ }]),
        ],
        fmtp: [
          { payload: pt, config: params.join('; ') },
          ...(rtx === undefined ? [] : [{ payload: rtx, config: `apt=${pt}` }]),
        ],
        ...(feedback ? { rtcpFb: [{ payload: String(pt), type: 'nack' }] } : {}),
        ...(options.rtcpMux ? { rtcpMux: 'rtcp-mux' } : {}),
        ...(fps !== undefined ? { framerate: Number(fps.toFixed(3)) } : {}),
        ...(options.ssrc !== undefined
          ? { ssrcs: [{ id: options.ssrc, attribute: 'cname', value: 'framewire' }] }
          : {}),
      },
    ],
  };
  return write(session);
}

/**
 * fmtp parameters, tolerant of the spacing variations senders use ("a=b;c=d", "a=b; c=d"). sdp-transform turns every
 * field that looks like a number into one (`a=fmtp:96 5`), so the config and codec names are read as text here.
 */
function fmtpParams(config: string | number): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of String(config).split(';')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (key !== '') params.set(key, eq < 0 ? '' : part.slice(eq + 1).trim());
  }
  return params;
}

function dimension(params: Map<string, string>, key: string, field: string): number {
  const text = params.get(key);
  if (text === undefined) throw new UsageError(`${field}: the raw video fmtp has no ${key}`);
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_DIMENSION) {
    throw new UsageError(`${field}: fmtp ${key}=${text} must be an integer from 1 to ${MAX_DIMENSION}`);
  }
  return Number(text);
}

function frameRate(params: Map<string, string>, framerate: unknown): number | undefined {
  const exact = params.get('exactframerate');
  const m = exact === undefined ? null : /^(\d+)(?:\/(\d+))?$/.exec(exact);
  if (m) {
    const rate = Number(m[1]) / Number(m[2] ?? 1);
    if (Number.isFinite(rate) && rate > 0) return rate;
  }
  const n = Number(framerate);
  return framerate !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Reads the first RFC 4175 raw video stream of an SDP; `field` names where the text came from. */
export function parseSdp(text: string, field = '--sdp'): SdpStream {
  const sdp = parse(text);
  const media = (sdp.media ?? []).find((m) => m.type === 'video');
  if (media === undefined) throw new UsageError(`${field}: no video m-line (m=video PORT RTP/AVP PT)`);
  if (!/^RTP\/AVP/.test(String(media.protocol))) {
    throw new UsageError(`${field}: video m-line protocol is '${media.protocol}', expected RTP/AVP`);
  }
  const port = Number(media.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${field}: video m-line port ${media.port} must be from 1 to 65535`);
  }
  const rtpmap = (media.rtp ?? []).find((r) => String(r.codec).toLowerCase() === 'raw' && r.rate === VIDEO_CLOCK_HZ);
  if (rtpmap === undefined) {
    throw new UsageError(`${field}: no raw video rtpmap in the video m-line (a=rtpmap:PT raw/90000)`);
  }
  const pt = rtpmap.payload;
  const fmtp = (media.fmtp ?? []).find((f) => f.payload === pt);
  if (fmtp === undefined) throw new UsageError(`${field}: no a=fmtp:${pt} describing the raw video`);
  const params = fmtpParams(fmtp.config);
  const sampling = params.get('sampling');
  const format = (Object.keys(SAMPLING) as PixelFormat[]).find((f) => SAMPLING[f] === sampling);
  if (format === undefined) {
    throw new UsageError(
      `${field}: sampling '${sampling ?? ''}' is not supported (one of ${Object.values(SAMPLING).join(', ')})`,
    );
  }
  const depth = params.get('depth');
  if (depth !== String(DEPTH)) {
    throw new UsageError(`${field}: depth '${depth ?? ''}' is not supported (only ${DEPTH})`);
  }
  if (params.has('interlace')) throw new UsageError(`${field}: interlaced video is not supported`);
  const geometry = validateGeometry(
    { width: dimension(params, 'width', field), height: dimension(params, 'height', field), format },
    field,
  );
  const address = media.connection?.ip ?? sdp.connection?.ip;
  if (address === undefined || String(address) === '') {
    throw new UsageError(`${field}: no connection address (c=IN IP4 ADDRESS)`);
  }
  // c=IN IP4 ADDRESS[/TTL[/COUNT]]: the address the stream is sent to, so the one a receiver listens on.
  const host = String(address).split('/')[0]!;
  if (isIP(host) === 0) throw new UsageError(`${field}: connection address '${host}' is not an IP address`);
  const fps = frameRate(params, media.framerate);
  const nack = (media.rtcpFb ?? []).some((fb) => fb.type === 'nack' && !fb.subtype && (String(fb.payload) === String(pt) || fb.payload === '*'));
  const rtxMap = (media.rtp ?? []).find((r) => String(r.codec).toLowerCase() === 'rtx' &&
    (media.fmtp ?? []).some((f) => f.payload === r.payload && fmtpParams(f.config).get('apt') === String(pt)));
  return {
    geometry,
    host,
    port,
    payloadType: pt,
    ...(fps !== undefined ? { fps } : {}),
    ...(nack ? { nack } : {}),
    ...(rtxMap ? { rtxPayloadType: rtxMap.payload } : {}),
    ...(media.rtcpMux ? { rtcpMux: true } : {}),
  };
}
