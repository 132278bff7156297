import { expect } from 'chai';
import type { FrameGeometry } from '../../../src/frame.js';
import {
  createDepacketizer,
  createPacketizer,
  parseWire,
  RawDepacketizer,
  RawPacketizer,
  Rfc4175Depacketizer,
  Rfc4175Packetizer,
} from '../../../src/rtp/index.js';
import { UsageError } from '../../../src/usage-error.js';

describe('payload format factory', () => {
  const g: FrameGeometry = { width: 16, height: 16, format: 'rgb24' };

  it('builds the pair for each wire', () => {
    expect(createPacketizer('rtp', g, { mtu: 1400 })).to.be.instanceOf(Rfc4175Packetizer);
    expect(createPacketizer('raw', g, { mtu: 1400 })).to.be.instanceOf(RawPacketizer);
    expect(createDepacketizer('rtp', g, () => {})).to.be.instanceOf(Rfc4175Depacketizer);
    expect(createDepacketizer('raw', g, () => {})).to.be.instanceOf(RawDepacketizer);
  });

  it('parses --wire', () => {
    expect(parseWire('raw')).to.equal('raw');
    expect(() => parseWire('srt')).to.throw(UsageError, /--wire: 'srt' is not a wire format \(one of rtp, raw\)/);
  });
});
