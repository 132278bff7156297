import { isIP } from 'node:net';
import fc from 'fast-check';
import { MAX_DIMENSION, type PixelFormat } from '../../../src/frame.js';
import { buildSdp, parseSdp, type SdpOptions, type SdpStream } from '../../../src/rtp/index.js';
import { corpusFiles, expectUsageError, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';

/** The SDP reader (`receive --sdp`, via sdp-transform): a stream it can receive, or a usage error naming --sdp. */

const sdpOptions: fc.Arbitrary<SdpOptions> = fc.record(
  {
    geometry: fc.record({
      width: fc.integer({ min: 1, max: MAX_DIMENSION }),
      height: fc.integer({ min: 1, max: MAX_DIMENSION }),
      format: fc.constantFrom<PixelFormat>('rgb24', 'uyvy'),
    }).map((g) => (g.format === 'uyvy' ? { ...g, width: Math.max(2, g.width & ~1) } : g)),
    host: fc.oneof(fc.ipV4(), fc.ipV6()),
    port: fc.integer({ min: 1, max: 65535 }),
    payloadType: fc.integer({ min: 96, max: 126 }),
    fps: fc.oneof(fc.integer({ min: 1, max: 240 }), fc.constantFrom(29.97, 59.94, 23.976)),
    nack: fc.boolean(),
    rtxPayloadType: fc.constant(127),
    rtcpMux: fc.boolean(),
    ssrc: fc.nat(0xffffffff),
  },
  { requiredKeys: ['geometry', 'host', 'port'] },
);

/** SDPs framewire writes: the seed corpus. */
export function sdpSeeds(): Array<{ name: string; bytes: Buffer }> {
  const plain = buildSdp({ geometry: { width: 640, height: 480, format: 'rgb24' }, host: '127.0.0.1', port: 5004, fps: 60 });
  const full = buildSdp({
    geometry: { width: 1920, height: 1080, format: 'uyvy' }, host: 'ff15::1', port: 5006, fps: 29.97, nack: true,
    rtxPayloadType: 97, rtcpMux: true, ssrc: 0x5eed,
  });
  return [{ name: 'framewire-rgb24.sdp', bytes: Buffer.from(plain) }, { name: 'framewire-uyvy-rtx.sdp', bytes: Buffer.from(full) }];
}

/** Whatever parseSdp returns is something a receiver can use. */
function checkStream(s: SdpStream): void {
  const { width, height } = s.geometry;
  const fine = Number.isInteger(width) && width >= 1 && width <= MAX_DIMENSION && Number.isInteger(height) && height >= 1 &&
    height <= MAX_DIMENSION && Number.isInteger(s.port) && s.port >= 1 && s.port <= 65535 && isIP(s.host) !== 0 &&
    Number.isInteger(s.payloadType) && (s.fps === undefined || (Number.isFinite(s.fps) && s.fps > 0));
  if (!fine) throw new Error(`parseSdp returned an unusable stream: ${JSON.stringify(s)}`);
}

const roundTrip = fc.property(sdpOptions, (o) => {
  const s = parseSdp(buildSdp(o));
  checkStream(s);
  const same = JSON.stringify(s.geometry) === JSON.stringify(o.geometry) && s.host === o.host && s.port === o.port &&
    s.payloadType === (o.payloadType ?? 96) && (o.fps === undefined || Math.abs(s.fps! - o.fps) < 1e-3) &&
    !!s.nack === !!(o.nack || o.rtxPayloadType !== undefined) && s.rtxPayloadType === o.rtxPayloadType && !!s.rtcpMux === !!o.rtcpMux;
  if (!same) throw new Error(`wrote ${JSON.stringify(o)}, read ${JSON.stringify(s)}`);
});

function mutatedSdp(seeds: string[]) {
  return fc.property(fc.oneof(mutatedText(seeds), fc.string({ maxLength: 200 })), (text) => {
    let s: SdpStream;
    try {
      s = parseSdp(text, '--sdp');
    } catch (err) {
      expectUsageError(err, '--sdp');
      return;
    }
    checkStream(s);
  });
}

export const sdpTarget: FuzzTarget = {
  name: 'sdp',
  summary: 'SDP reader: a usable stream or a UsageError naming --sdp; what buildSdp writes reads back',
  properties() {
    const seeds = corpusFiles('sdp').map((b) => b.toString('utf8'));
    return [
      { name: 'what buildSdp writes, parseSdp reads back', property: roundTrip },
      { name: 'mutated SDPs give a usable stream or a usage error naming --sdp', property: mutatedSdp(seeds) },
    ];
  },
};
