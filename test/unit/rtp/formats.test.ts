import { expect } from 'chai';
import { frameBytes, lineBytes, type Frame, type FrameGeometry } from '../../../src/frame.js';
import {
  createStreamReader,
  createStreamWriter,
  payloadFormat,
  payloadFormatNames,
  registerPayloadFormat,
  type PayloadFormat,
  type PayloadLayout,
} from '../../../src/rtp/index.js';
import { SettingError } from '../../../src/usage-error.js';
import { collector, makeFrame, packetsOf } from './helpers.js';

/**
 * A toy format written only against the registry's interfaces: one scan line a packet, its number in a 2-byte
 * header. If a new format needed anything beyond a folder and one registration, this file could not exist.
 */
const rows: PayloadFormat = {
  name: 'toy-rows',
  summary: 'one scan line a packet (a test format)',
  framing: 'rtp',
  clockRate: 90_000,
  defaultPayloadType: 101,
  minPayload: (g) => ({ bytes: 2 + lineBytes(g), carries: 'one scan line with its number' }),
  createPayloader(g) {
    const line = lineBytes(g);
    const layout: PayloadLayout = {
      packets: g.height,
      headers: Buffer.alloc(2 * g.height),
      headerOffsets: Uint32Array.from({ length: g.height + 1 }, (_, i) => 2 * i),
      dataOffsets: Uint32Array.from({ length: g.height + 1 }, (_, i) => line * i),
    };
    for (let r = 0; r < g.height; r++) layout.headers.writeUInt16BE(r, 2 * r);
    return { layout: () => layout, data: (frame: Frame) => frame.data };
  },
  createDepayloader(g) {
    const line = lineBytes(g);
    return {
      unitBytes: line,
      locate(datagram, start, end, runs) {
        if (end - start !== 2 + line) return false;
        const row = datagram.readUInt16BE(start);
        if (row >= g.height) return false;
        runs.count = 0;
        return runs.add(row * line, start + 2, line);
      },
    };
  },
};

describe('payload format registry', () => {
  const g: FrameGeometry = { width: 16, height: 16, format: 'rgb24' };

  it('has RFC 4175 as rtp and the original bare wire as raw', () => {
    expect(payloadFormatNames()).to.include.members(['rtp', 'raw']);
    expect(payloadFormat('rtp').framing).to.equal('rtp');
    expect(payloadFormat('raw').framing).to.equal('bare');
  });

  it('names the wire setting for an unknown format, listing the known ones', () => {
    expect(() => payloadFormat('srt')).to.throw(SettingError, /^wire: 'srt' is not a wire format \(one of rtp, raw\)/);
  });

  it('refuses a second format under a name already taken', () => {
    expect(() => registerPayloadFormat({ ...rows, name: 'rtp' })).to.throw(/already registered/);
  });

  it('round-trips frames in a format registered from outside, and forgets it again', () => {
    const unregister = registerPayloadFormat(rows);
    try {
      const writer = createStreamWriter(payloadFormat('toy-rows'), g, { mtu: 1400, ssrc: 9 });
      const c = collector();
      const reader = createStreamReader(payloadFormat('toy-rows'), g, c.onFrame);
      const frames = [0, 1, 2].map((i) => makeFrame(g, i));
      for (const f of frames) {
        const packets = packetsOf(writer, f);
        expect(packets).to.have.length(16);
        // The writer owns the RTP header: version 2, its payload type, the marker on the frame's last packet.
        expect(packets.map((p) => p[1]! & 0x80)).to.deep.equal([...Array(15).fill(0), 0x80]);
        expect(packets[0]![1]! & 0x7f).to.equal(101);
        for (const p of packets.reverse()) reader.push(p, 1_000 + f.index);
      }
      expect(c.received.map((r) => r.frame.data.equals(frames[r.frame.index]!.data))).to.deep.equal([true, true, true]);
      expect(reader.stats).to.include({ framesComplete: 3, packetsMalformed: 0, packetsLost: 0 });
      expect(c.received[0]!.info).to.include({ complete: true, bytesMissing: 0, packets: 16, ssrc: 9 });
    } finally {
      unregister();
    }
    expect(payloadFormatNames()).to.not.include('toy-rows');
  });

  it('counts a toy-format packet its depayloader refuses as malformed', () => {
    const unregister = registerPayloadFormat(rows);
    try {
      const writer = createStreamWriter(payloadFormat('toy-rows'), g, { mtu: 1400 });
      const reader = createStreamReader(payloadFormat('toy-rows'), g, () => {});
      const bad = packetsOf(writer, makeFrame(g, 0))[3]!;
      bad.writeUInt16BE(999, 12); // a row past the frame
      reader.push(bad, 0);
      expect(reader.stats).to.include({ packetsMalformed: 1, framesComplete: 0 });
      expect(frameBytes(g)).to.equal(16 * lineBytes(g));
    } finally {
      unregister();
    }
  });
});
