/**
 * A garbage flood at the highest rate this machine sends: `node --import tsx test/support/flood.ts HOST PORT SECONDS
 * SEED`. Seeded hostile datagrams (random bytes, and RTP- and RTCP-looking ones with random SSRCs, bodies and
 * lengths, 20 to 1200 bytes) go out through the native sender's sendmmsg path in batches of 64, as fast as the kernel
 * takes them, for SECONDS. One datagram a message (FRAMEWIRE_GSO=0): a GSO run that a GRO receiver's full socket
 * drops counts once in the kernel's drop count, and that count is how a test accounts for every datagram. Prints `flooding` on stderr when it starts, and on stdout one JSON line:
 * { sent, refused, startUs, endUs, perSecond }. A test tool, run as a process of its own so it does not share the
 * receiver's event loop or CPU time.
 */
import { nowUs } from '../../src/frame.js';
import type { OutgoingPackets } from '../../src/rtp/outgoing-packets.js';
import { connectNativeLink } from '../../src/transport/native-udp.js';
import { seededRandom } from '../unit/rtp/helpers.js';

const BATCH = 64;

function garbageBatch(seed: number): OutgoingPackets {
  const random = seededRandom(seed);
  const datagrams = Array.from({ length: BATCH }, (_, i) => {
    const d = Buffer.alloc(20 + Math.floor(random() * 1180));
    for (let k = 0; k < d.length; k++) d[k] = Math.floor(random() * 256);
    if (i % 3 === 1) d[0] = 0x80 | (d[0]! & 0x3f); // RTP version 2, random everything else
    if (i % 3 === 2) {
      d[0] = 0x80 | (d[0]! & 0x3f);
      d[1] = 192 + Math.floor(random() * 32); // an RTCP packet type
    }
    return d;
  });
  const data = Buffer.concat(datagrams);
  const dataOffsets = new Uint32Array(BATCH + 1);
  datagrams.forEach((d, i) => { dataOffsets[i + 1] = dataOffsets[i]! + d.length; });
  return {
    count: BATCH, headers: Buffer.alloc(0), headerOffsets: new Uint32Array(BATCH + 1), data, dataOffsets,
    firstSequence: 0, timestamp: 0, bytes: data.length,
  };
}

const [host = '127.0.0.1', port = '5004', seconds = '2', seed = '1'] = process.argv.slice(2);
process.env.FRAMEWIRE_GSO = '0';
const link = connectNativeLink({ host, port: Number(port) });
if (!link) throw new Error('flood: the native addon is not built (node scripts/build-native.mjs)');
const batches = [0, 1, 2, 3].map((k) => garbageBatch(Number(seed) * 4 + k));
let sent = 0;
let refused = 0;
process.stderr.write('flooding\n');
const startUs = nowUs();
const endAt = startUs + Number(seconds) * 1e6;
for (let k = 0; nowUs() < endAt; k++) {
  const r = await link.sendFrame(batches[k & 3]!);
  sent += BATCH - r;
  refused += r;
}
const endUs = nowUs();
await link.close();
console.log(JSON.stringify({ sent, refused, startUs, endUs, perSecond: Math.round(sent / ((endUs - startUs) / 1e6)) }));
