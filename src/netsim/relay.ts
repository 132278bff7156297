import type { Socket } from 'node:dgram';
import type { Endpoint } from '../transport/endpoint.js';
import { bindSocket, closeSocket, connectSocket } from '../transport/udp.js';
import { createImpairmentChain, type ChainStats, type ImpairmentChain } from './chain.js';
import { CLEAN, type DirectionConfig, type NetworkConfig } from './config.js';
import { Direction, randomSeed } from './rng.js';
import { createTraceWriter, readTrace, type Trace, type TraceWriter } from './trace.js';

export interface RelayOptions {
  /** Where senders send; port 0 picks a free port (see `address`). */
  listen: Endpoint;
  /** Where datagrams are forwarded. */
  to: Endpoint;
  network: NetworkConfig;
  /** Overrides network.seed; when neither is given a random seed is used (see `seed`). */
  seed?: number;
  /** Path of a trace to write (JSON lines, both directions). */
  record?: string;
  /** Path of a trace whose fates are applied instead of deciding them. */
  replay?: string;
}

export interface RelayStats {
  forward: ChainStats;
  reverse: ChainStats;
  /** Datagrams from --to that arrived before anyone had sent to the relay, so had nowhere to go. */
  noPeer: number;
  /** Socket errors (e.g. the receiver's port was closed: ICMP port unreachable). */
  socketErrors: number;
}

export interface Relay {
  /** The bound listen address (the real port when 0 was asked for). */
  readonly address: Endpoint;
  /** The seed in use; give it back as `seed` to repeat the run. */
  readonly seed: number;
  readonly stats: RelayStats;
  /** Switches both directions to another network while relaying, without dropping the sockets. */
  setNetwork(network: NetworkConfig): void;
  /** Stops relaying; datagrams still delayed are discarded (and counted). Resolves to the final stats. */
  close(): Promise<RelayStats>;
}

/**
 * A UDP relay with the impairment chain in the middle: from whoever sends to `listen` on to `to`, and from
 * `to` back to the last sender (so RTCP and other feedback work). The reverse direction is impaired only by
 * the config's `reverse` section.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const seed = options.seed ?? options.network.seed ?? randomSeed();
  const trace: Trace | undefined = options.replay ? await readTrace(options.replay) : undefined;
  const writer: TraceWriter | undefined = options.record ? await createTraceWriter(options.record) : undefined;

  let socketErrors = 0;
  let noPeer = 0;

  let peerAddress = '';
  let peerPort = 0;

  const forward: ImpairmentChain = createImpairmentChain(options.network, {
    seed,
    direction: Direction.forward,
    // The relay pushes dgram's own buffers (never reused), so it can hand them straight to send().
    deliver: (datagram) => back.send(datagram),
    record: writer && ((fate) => writer.record('forward', fate)),
    replay: trace?.forward,
  });
  const reverse: ImpairmentChain = createImpairmentChain(
    reverseConfig(options.network),
    {
      seed,
      direction: Direction.reverse,
      deliver: (datagram) => {
        if (peerPort === 0) noPeer++;
        else front.send(datagram, peerPort, peerAddress);
      },
      record: writer && ((fate) => writer.record('reverse', fate)),
      replay: trace?.reverse,
    },
  );

  let front: Socket;
  let back: Socket;
  try {
    front = await bindSocket(options.listen);
    back = await connectSocket(options.to).catch(async (err: unknown) => {
      await closeSocket(front);
      throw err;
    });
  } catch (err) {
    await writer?.close();
    throw err;
  }
  for (const s of [front, back]) s.on('error', () => void socketErrors++);

  front.on('message', (msg, rinfo) => {
    if (rinfo.port !== peerPort || rinfo.address !== peerAddress) {
      peerPort = rinfo.port;
      peerAddress = rinfo.address;
    }
    forward.push(msg, true);
  });
  back.on('message', (msg) => reverse.push(msg, true));

  const bound = front.address();
  const stats = (): RelayStats => ({ forward: forward.stats, reverse: reverse.stats, noPeer, socketErrors });
  let closing: Promise<RelayStats> | undefined;
  return {
    address: { host: bound.address, port: bound.port },
    seed,
    get stats() {
      return stats();
    },
    setNetwork(network) {
      forward.reconfigure(network);
      reverse.reconfigure(reverseConfig(network));
    },
    close() {
      closing ??= (async () => {
        forward.close();
        reverse.close();
        await Promise.all([closeSocket(front), closeSocket(back)]);
        await writer?.close();
        return stats();
      })();
      return closing;
    },
  };
}

function reverseConfig(network: NetworkConfig): DirectionConfig {
  return network.reverse ?? { settings: CLEAN, dropList: [], timeline: [] };
}
