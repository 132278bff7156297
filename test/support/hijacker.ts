import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { frameBytes, type FrameGeometry } from '../../src/frame.js';
import { createStreamWriter, packetBytes, payloadFormat } from '../../src/rtp/index.js';

/**
 * Well-formed RFC 4175 frames on an SSRC of its own, unstamped (every pixel byte the frame's number + 1): what a
 * hijacker on the same network would send. `frames` of them, as datagrams in order.
 */
export function hijackerPackets(g: FrameGeometry, frames: number, ssrc = 0xbad): Buffer[] {
  const writer = createStreamWriter(payloadFormat('rtp'), g, { mtu: 1400, ssrc });
  const out: Buffer[] = [];
  for (let k = 0; k < frames; k++) {
    const packets = writer.write({ ...g, data: Buffer.alloc(frameBytes(g), k + 1), index: k, captureTimeUs: k * 33_333 });
    for (let i = 0; i < packets.count; i++) out.push(packetBytes(packets, i));
  }
  return out;
}

/** Sends `datagrams` in order from a socket bound to `bindHost`, each after the previous one has gone. */
export async function sendFrom(bindHost: string, family: 'udp4' | 'udp6', toHost: string, port: number, datagrams: Buffer[]): Promise<void> {
  const s = dgram.createSocket(family);
  await new Promise<void>((resolve) => s.bind(0, bindHost, resolve));
  for (const d of datagrams) await new Promise((resolve) => s.send(d, port, toHost, resolve));
  await new Promise<void>((resolve) => s.close(() => resolve()));
}

/** A hijacker that keeps sending a frame every `everyMs` until stopped; `sent` counts its datagrams. */
export function startHijacker(g: FrameGeometry, port: number, everyMs = 20): { stop: () => Promise<void>; readonly sent: number } {
  const packets = hijackerPackets(g, 64);
  const perFrame = packets.length / 64;
  let running = true;
  let sent = 0;
  const loop = (async () => {
    for (let k = 0; running; k = (k + 1) % 64) {
      const frame = packets.slice(k * perFrame, (k + 1) * perFrame);
      await sendFrom('127.0.0.1', 'udp4', '127.0.0.1', port, frame);
      sent += frame.length;
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
    get sent() {
      return sent;
    },
  };
}
