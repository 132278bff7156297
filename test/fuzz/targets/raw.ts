import fc from 'fast-check';
import { frameBytes, type FrameGeometry } from '../../../src/frame.js';
import { createStreamReader, createStreamWriter, packetBytes, payloadFormat } from '../../../src/rtp/index.js';
import { corpusFiles, type FuzzTarget } from '../fuzz-target.js';
import { mutatedBytes } from '../mutate.js';

/*
 * The raw wire (one datagram a frame, no header): the depayloader and the bare stream reader. Any datagram of exactly
 * a frame's size is that frame; anything else is malformed.
 */

/** The geometry of the seed frames in fixtures/fuzz/raw/. */
export const RAW_GEOMETRY: FrameGeometry = { width: 8, height: 4, format: 'rgb24' };

/** Two frames as a real raw writer sends them. */
export function rawSeeds(): Array<{ name: string; bytes: Buffer }> {
  const writer = createStreamWriter(payloadFormat('raw'), RAW_GEOMETRY, { mtu: 1500 });
  return [0, 1].map((k) => {
    const data = Buffer.alloc(frameBytes(RAW_GEOMETRY));
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + k * 13) & 0xff;
    const packets = writer.write({ ...RAW_GEOMETRY, data, index: k, captureTimeUs: k * 16_667 });
    return { name: `writer-${k}.raw`, bytes: packetBytes(packets, 0) };
  });
}

/** Each datagram of a frame's size is handed over whole and equal to it; the rest are counted malformed. */
function everyDatagramAccounted(seeds: Buffer[]) {
  return fc.property(fc.array(fc.oneof(mutatedBytes(seeds), fc.constantFrom(...seeds)), { maxLength: 32 }), (datagrams) => {
    const frames: Buffer[] = [];
    let incomplete = 0;
    const reader = createStreamReader(payloadFormat('raw'), RAW_GEOMETRY, (frame, info) => {
      if (info.complete) frames.push(Buffer.from(frame.data));
      else incomplete++;
    });
    datagrams.forEach((d, i) => reader.push(d, 1_000 + i));
    reader.flush();
    const size = frameBytes(RAW_GEOMETRY);
    const whole = datagrams.filter((d) => d.length === size);
    const s = reader.stats;
    if (incomplete !== 0 || s.framesIncomplete !== 0) throw new Error(`${incomplete} incomplete raw frames`);
    if (s.packetsReceived !== datagrams.length || s.packetsMalformed !== datagrams.length - whole.length) {
      throw new Error(`fed ${datagrams.length} (${whole.length} frame-sized), stats ${JSON.stringify(s)}`);
    }
    if (frames.length !== whole.length || s.framesComplete !== whole.length) throw new Error(`${whole.length} frames sent, ${frames.length} handed over`);
    whole.forEach((d, i) => {
      if (!d.equals(frames[i]!)) throw new Error(`raw frame ${i} differs from its datagram`);
    });
  });
}

export const rawTarget: FuzzTarget = {
  name: 'raw',
  summary: 'raw wire depayloader and bare reader: frames equal their datagrams, every datagram counted',
  properties() {
    return [{ name: 'every datagram is a whole frame or counted malformed', property: everyDatagramAccounted(corpusFiles('raw')) }];
  },
};
