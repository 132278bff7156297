import dgram from 'node:dgram';
import { once } from 'node:events';
import type { NetworkConfig } from './config.js';
import type { Relay, RelayOptions } from './relay.js';

/** Synthetic datagrams sent through the throwaway relay: one second of a 640x480@30 stream. */
const WARM_DATAGRAMS = 20_000;
/** ...or for this long, whichever ends first (a loaded machine gets a shorter warm-up, not a slow start). */
const WARM_MS = 1_000;
/** Sent per turn of the event loop, so the relay reads, impairs and forwards them as it does live traffic. */
const PER_TURN = 32;
/** A media packet as the relay mostly sees them: RTP version 2, payload type 96, MTU-size. */
const DATAGRAM_BYTES = 1400;
/** How long the throwaway relay may take to forward what it was sent; a network with long delays is cut short. */
const DRAIN_MS = 100;

/**
 * Warms a relay process's hot path before its first relay takes real datagrams: a throwaway relay of the same network (the very
 * code the real one runs: sockets, chains, timed output) passes a second of synthetic traffic from a private socket to
 * a private sink on loopback, and is closed before the real one opens. A relay process starts with that path
 * interpreted and V8 busy compiling it on its helper threads (a third of the process's CPU in its first second, by
 * perf), and the first seconds of a run are when the sender and receiver start too: on the 2-vCPU VM here a cold
 * relay in the NACK scenario (640x480@30, 2% loss, 40 ms RTT, three processes) held RTCP and retransmissions 300-600 ms
 * instead of 20 for its first 1.5 s, past the receiver's 400 ms budget, and 23-35 of 60 frames came whole. Warmed,
 * 42-56 (dumpcap timelines of the NACKs and retransmissions; docs/resilience.md). The throwaway relay has state of its
 * own, so the real one's seeded fates and counts are untouched.
 */
export function warmUp(open: (options: RelayOptions) => Promise<Relay>, network: NetworkConfig): Promise<void> {
  // What is warmed (compiled code, grown heap) is the process's: a second relay in it starts warm already.
  warming ??= warmThrowawayRelay(open, network).catch((err: unknown) => {
    warming = undefined; // a failed warm-up is not remembered: the next relay tries again
    throw err;
  });
  return warming;
}

let warming: Promise<void> | undefined;

async function warmThrowawayRelay(open: (options: RelayOptions) => Promise<Relay>, network: NetworkConfig): Promise<void> {
  const sink = dgram.createSocket('udp4');
  sink.on('message', () => undefined);
  sink.bind(0, '127.0.0.1');
  await once(sink, 'listening');
  const feed = dgram.createSocket('udp4');
  try {
    const relay = await open({
      listen: { host: '127.0.0.1', port: 0 },
      to: { host: '127.0.0.1', port: sink.address().port },
      network,
      seed: 0,
    });
    try {
      feed.connect(relay.address.port, '127.0.0.1');
      await once(feed, 'connect');
      const datagram = Buffer.alloc(DATAGRAM_BYTES);
      datagram[0] = 0x80;
      datagram[1] = 96;
      const started = performance.now();
      for (let sent = 0; sent < WARM_DATAGRAMS && performance.now() - started < WARM_MS; sent += PER_TURN) {
        for (let k = 0; k < PER_TURN; k++) feed.send(datagram);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.race([relay.drain(), new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
    } finally {
      await relay.close();
    }
  } finally {
    feed.close();
    sink.close();
  }
}
