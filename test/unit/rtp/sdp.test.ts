import { expect } from 'chai';
import type { FrameGeometry } from '../../../src/frame.js';
import { buildSdp, parseSdp } from '../../../src/rtp/sdp.js';
import { UsageError } from '../../../src/usage-error.js';

const rgb: FrameGeometry = { width: 161, height: 7, format: 'rgb24' };
const uyvy: FrameGeometry = { width: 1920, height: 1080, format: 'uyvy' };

describe('SDP', () => {
  it('describes the stream the way FFmpeg and GStreamer read raw video', () => {
    const text = buildSdp({ geometry: rgb, host: '127.0.0.1', port: 5004, fps: 30, ssrc: 1234 });
    const lines = text.trim().split(/\r?\n/);
    expect(lines).to.include.members([
      'c=IN IP4 127.0.0.1',
      'm=video 5004 RTP/AVP 96',
      'a=rtpmap:96 raw/90000',
      'a=fmtp:96 sampling=RGB; width=161; height=7; depth=8; colorimetry=BT601-5; exactframerate=30',
      'a=framerate:30',
      'a=ssrc:1234 cname:framewire',
    ]);
    expect(buildSdp({ geometry: uyvy, host: '::1', port: 9, payloadType: 100, fps: 29.97 })).to.contain(
      'a=fmtp:100 sampling=YCbCr-4:2:2; width=1920; height=1080; depth=8; colorimetry=BT601-5; exactframerate=30000/1001',
    ).and.to.contain('c=IN IP6 ::1');
  });

  it('names the ST 2110-21 sender type a paced stream keeps to, and none for a burst', () => {
    const wide = buildSdp({ geometry: uyvy, host: '127.0.0.1', port: 5004, fps: 30, senderType: 'wide' });
    expect(wide).to.contain('colorimetry=BT601-5; exactframerate=30; TP=2110TPW');
    expect(buildSdp({ geometry: uyvy, host: '127.0.0.1', port: 5004, fps: 60, senderType: 'narrow' })).to.contain('TP=2110TPN');
    expect(buildSdp({ geometry: uyvy, host: '127.0.0.1', port: 5004, fps: 30 })).not.to.contain('TP=');
    expect(parseSdp(wide)).to.include({ fps: 30, port: 5004 });
  });

  it('round-trips through parseSdp', () => {
    for (const [geometry, payloadType, fps] of [[rgb, 96, 25], [uyvy, 127, undefined]] as const) {
      const text = buildSdp({ geometry, host: '10.0.0.2', port: 6000, payloadType, ...(fps ? { fps } : {}) });
      expect(parseSdp(text)).to.deep.equal({
        geometry,
        host: '10.0.0.2',
        port: 6000,
        payloadType,
        ...(fps ? { fps } : {}),
      });
    }
  });

  it('reads SDPs written by others: session-level c=, TTL suffix, terse fmtp spacing', () => {
    const text = [
      'v=0',
      'o=- 1 1 IN IP4 239.1.1.1',
      's=other',
      'c=IN IP4 239.1.1.1/64',
      't=0 0',
      'm=audio 5000 RTP/AVP 0',
      'm=video 5006 RTP/AVP 97 112',
      'a=rtpmap:97 H264/90000',
      'a=rtpmap:112 raw/90000',
      'a=fmtp:112 sampling=YCbCr-4:2:2;width=640;height=480;depth=8',
      '',
    ].join('\r\n');
    expect(parseSdp(text, 'scenario.sdp')).to.deep.equal({
      geometry: { width: 640, height: 480, format: 'uyvy' },
      host: '239.1.1.1',
      port: 5006,
      payloadType: 112,
    });
  });

  it('gives the connection address a receiver listens on, IPv4 or IPv6, and refuses a name', () => {
    expect(parseSdp(buildSdp({ geometry: rgb, host: '::1', port: 5006 }))).to.include({ host: '::1', port: 5006 });
    expect(parseSdp(buildSdp({ geometry: rgb, host: '127.0.0.1', port: 5008 }))).to.include({ host: '127.0.0.1', port: 5008 });
    const named = buildSdp({ geometry: rgb, host: '127.0.0.1', port: 5004 }).replace('c=IN IP4 127.0.0.1', 'c=IN IP4 camera.local');
    expect(() => parseSdp(named)).to.throw(UsageError, /^--sdp: connection address 'camera\.local' is not an IP address/);
  });

  it('rejects what it cannot receive with a UsageError naming the field and the problem', () => {
    const good = buildSdp({ geometry: rgb, host: '127.0.0.1', port: 5004 });
    const bad: [string, RegExp][] = [
      ['v=0\r\ns=x\r\n', /--sdp: no video m-line/],
      [good.replace('raw/90000', 'H264/90000'), /--sdp: no raw video rtpmap/],
      [good.replace(/a=fmtp.*\r\n/, ''), /--sdp: no a=fmtp:96/],
      [good.replace('sampling=RGB', 'sampling=YCbCr-4:2:0'), /--sdp: sampling 'YCbCr-4:2:0' is not supported/],
      [good.replace('depth=8', 'depth=10'), /--sdp: depth '10' is not supported/],
      [good.replace('width=161', 'width=0'), /--sdp: fmtp width=0 must be/],
      [good.replace('height=7', 'height=9000'), /--sdp: fmtp height=9000 must be/],
      [good.replace(' width=161;', ''), /--sdp: the raw video fmtp has no width/],
      [good.replace(/c=.*\r\n/, ''), /--sdp: no connection address/],
      [good.replace('colorimetry', 'interlace; colorimetry'), /--sdp: interlaced/],
      [buildSdp({ geometry: { width: 4, height: 2, format: 'uyvy' }, host: 'h', port: 1 }).replace('width=4', 'width=5'), /--sdp: width 5 must be even/],
    ];
    for (const [text, message] of bad) expect(() => parseSdp(text), String(message)).to.throw(UsageError, message);
    expect(() => parseSdp('', '--sdp-file')).to.throw(UsageError, /^--sdp-file: /);
  });

  it('reads a codec name, fmtp config or address that looks like a number as text (found by fuzzing)', () => {
    // sdp-transform makes numbers of numeric fields: `a=rtpmap:97 1920` once threw a TypeError out of parseSdp.
    const good = buildSdp({ geometry: rgb, host: '127.0.0.1', port: 5004 });
    expect(() => parseSdp(good.replace('a=rtpmap:96 raw/90000', 'a=rtpmap:96 1920\r\na=rtpmap:97 raw/90000'))).to.throw(UsageError, /^--sdp: no a=fmtp:97/);
    expect(() => parseSdp(good.replace(/a=fmtp:96 .*\r\n/, 'a=fmtp:96 5\r\n'))).to.throw(UsageError, /^--sdp: sampling '' is not supported/);
    expect(() => parseSdp(good.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.1'))).to.throw(UsageError, /^--sdp: connection address '0.1' is not an IP address/);
  });

  it('validates what buildSdp is given', () => {
    expect(() => buildSdp({ geometry: rgb, host: '127.0.0.1', port: 0 })).to.throw(UsageError, /^port: /);
    expect(() => buildSdp({ geometry: rgb, host: '', port: 1 })).to.throw(UsageError, /^host: /);
    expect(() => buildSdp({ geometry: rgb, host: 'h', port: 1, fps: 0 })).to.throw(UsageError, /^fps: /);
    expect(() => buildSdp({ geometry: rgb, host: 'h', port: 1, payloadType: 200 })).to.throw(UsageError, /^payloadType: /);
  });
});
