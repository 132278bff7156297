import type { Endpoint } from '../transport/endpoint.js';
import { bindNativeRelaySocket, connectNativeRelaySocket } from '../transport/native-udp.js';
import type { SendPath } from '../transport/port.js';
import { bindSocket, closeSocket, connectSocket } from '../transport/udp.js';
import { createImpairmentChain, type ChainStats, type ImpairmentChain } from './chain.js';
import { parseNetworkConfig, type DirectionConfig, type FieldLabel, type ImpairmentSettings, type NetworkConfig } from './config.js';
import { isRtcp, RTP_HEADER_BYTES, RTP_VERSION } from '../rtp/rtp-header.js';
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
  /** Names `record` and `replay` in errors (a bad trace line): by those names unless told (the CLI names its flags). */
  label?: FieldLabel;
}

export interface RelayStats {
  /** The media stream: the first RTP payload type seen (or every datagram that is not RTP). */
  forward: ChainStats;
  reverse: ChainStats;
  /** Other RTP payload types going forward (RFC 4588 retransmissions, FEC): impaired alike, counted apart. */
  repair: ChainStats;
  /** RTCP going forward (sender reports), impaired alike, counted apart. */
  rtcp: ChainStats;
  /** Datagrams from --to that arrived before anyone had sent to the relay, so had nowhere to go. */
  noPeer: number;
  /**
   * Socket errors (e.g. the receiver's port was closed: ICMP port unreachable), and datagrams the OS would not take
   * (send buffer full).
   */
  socketErrors: number;
}

export interface Relay {
  /** The bound listen address (the real port when 0 was asked for). */
  readonly address: Endpoint;
  /** The seed in use; give it back as `seed` to repeat the run. */
  readonly seed: number;
  /** How datagrams are moved: sendmmsg/recvmmsg batches on the native addon, or node:dgram one at a time. */
  readonly path: SendPath;
  readonly stats: RelayStats;
  /** Resolves when the forward direction holds no datagram waiting for its time. */
  drain(): Promise<void>;
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
  const label = options.label ?? ((path) => String(path[0]));
  const trace: Trace | undefined = options.replay ? await readTrace(options.replay, label(['replay'])) : undefined;
  const writer: TraceWriter | undefined = options.record ? await createTraceWriter(options.record, label(['record'])) : undefined;

  let noPeer = 0;
  let ports: RelayPorts | undefined;

  const forward: ImpairmentChain = createImpairmentChain(options.network, {
    seed,
    direction: Direction.forward,
    deliver: (datagram) => ports?.forward(datagram),
    record: writer && ((fate) => writer.record('forward', fate)),
    replay: trace?.forward,
  });
  const reverse: ImpairmentChain = createImpairmentChain(
    reverseConfig(options.network),
    {
      seed,
      direction: Direction.reverse,
      deliver: (datagram) => {
        if (!ports?.reply(datagram)) noPeer++;
      },
      record: writer && ((fate) => writer.record('reverse', fate)),
      replay: trace?.reverse,
    },
  );

  // Side streams get the forward settings but their own ordinals (so no drop list: its ordinals are the media's).
  const side = (direction: Direction): ImpairmentChain => createImpairmentChain(withoutDropList(options.network), {
    seed,
    direction,
    deliver: (datagram) => ports?.forward(datagram),
  });
  const repair = side(Direction.forwardRepair);
  const rtcp = side(Direction.forwardRtcp);
  const classify = new StreamClassifier();
  const chains = { media: forward, repair, rtcp };
  const fromSender: OnRelayed = (datagram, owned) => chains[classify.of(datagram)].push(datagram, owned);
  const fromTarget: OnRelayed = (datagram, owned) => reverse.push(datagram, owned);
  try {
    ports =
      openNativePorts(options.listen, options.to, fromSender, fromTarget) ??
      (await openDgramPorts(options.listen, options.to, fromSender, fromTarget));
  } catch (err) {
    await writer?.close();
    throw err;
  }
  const open = ports;

  const stats = (): RelayStats => ({
    forward: forward.stats,
    reverse: reverse.stats,
    repair: repair.stats,
    rtcp: rtcp.stats,
    noPeer,
    socketErrors: open.socketErrors,
  });
  let closing: Promise<RelayStats> | undefined;
  return {
    address: open.address,
    seed,
    path: open.path,
    get stats() {
      return stats();
    },
    drain: () => forward.drain(),
    setNetwork(network) {
      forward.reconfigure(network);
      repair.reconfigure(withoutDropList(network));
      rtcp.reconfigure(withoutDropList(network));
      reverse.reconfigure(reverseConfig(network));
    },
    close() {
      closing ??= (async () => {
        for (const chain of [forward, repair, rtcp, reverse]) chain.close();
        await open.close();
        await writer?.close();
        return stats();
      })();
      return closing;
    },
  };
}

/** The forward settings without the drop list, whose ordinals count media packets only. */
function withoutDropList(config: DirectionConfig): DirectionConfig {
  const clear = (settings: ImpairmentSettings): ImpairmentSettings => ({ ...settings, dropList: new Set<number>() });
  return { settings: clear(config.settings), timeline: config.timeline.map((step) => ({ ...step, settings: clear(step.settings) })) };
}

/**
 * Tells the streams going forward apart: RTCP by its packet type (RFC 5761 section 4), the media by the payload type
 * of the first RTP packet, and any other RTP payload type (RTX, FEC) as a side stream. Datagrams that are not RTP (the
 * raw wire) are media. Each has a chain of its own, so retransmissions and reports, whose number and timing vary from
 * run to run, never shift the fates the seed gives the media packets.
 */
class StreamClassifier {
  private mediaPayloadType = -1;

  of(datagram: Buffer): 'media' | 'repair' | 'rtcp' {
    if (datagram.length < RTP_HEADER_BYTES || datagram[0]! >>> 6 !== RTP_VERSION) return 'media';
    if (isRtcp(datagram)) return 'rtcp';
    const payloadType = datagram[1]! & 0x7f;
    if (this.mediaPayloadType < 0) this.mediaPayloadType = payloadType;
    return payloadType === this.mediaPayloadType ? 'media' : 'repair';
  }
}

/** Without a reverse section replies pass through a clean chain: an empty section's settings. */
function reverseConfig(network: NetworkConfig): DirectionConfig {
  return network.reverse ?? parseNetworkConfig({});
}

/** A datagram for the relay to pass on; `owned` says whether the relay may keep the buffer itself. */
type OnRelayed = (datagram: Buffer, owned: boolean) => void;

/** The relay's two sockets, front (bound at `listen`) and back (connected to `to`), however they are implemented. */
interface RelayPorts {
  readonly address: Endpoint;
  readonly path: SendPath;
  readonly socketErrors: number;
  /** Sends on the back socket to `to`. */
  forward(datagram: Buffer): void;
  /** Sends from the front socket to whoever sent to it last; false when nobody has yet. */
  reply(datagram: Buffer): boolean;
  close(): Promise<void>;
}

/**
 * recvmmsg and sendmmsg on the addon's sockets, or undefined when it is not to be used. Received datagrams are views
 * of a slab that is reused after each batch; forwarded ones are copied into a queue that leaves in one sendmmsg
 * once the loop has read what was ready.
 */
function openNativePorts(listen: Endpoint, to: Endpoint, fromSender: OnRelayed, fromTarget: OnRelayed) {
  const front = bindNativeRelaySocket(listen, (datagram) => fromSender(datagram, false));
  if (!front) return undefined;
  let back;
  try {
    back = connectNativeRelaySocket(to, (datagram) => fromTarget(datagram, false));
  } finally {
    if (!back) void front.close();
  }
  if (!back) return undefined;
  const ports: RelayPorts = {
    address: front.address,
    path: 'sendmmsg',
    get socketErrors() {
      return front.sendErrors + back.sendErrors + front.receiveErrors + back.receiveErrors;
    },
    forward: (datagram) => back.queue(datagram),
    reply: (datagram) => front.reply(datagram),
    close: async () => {
      await back.close();
      await front.close();
    },
  };
  return ports;
}

/** node:dgram, one 'message' event and one send per datagram; its buffers are never reused, so they are owned. */
async function openDgramPorts(
  listen: Endpoint,
  to: Endpoint,
  fromSender: OnRelayed,
  fromTarget: OnRelayed,
): Promise<RelayPorts> {
  const front = await bindSocket(listen);
  const back = await connectSocket(to).catch(async (err: unknown) => {
    await closeSocket(front);
    throw err;
  });
  let socketErrors = 0;
  for (const s of [front, back]) s.on('error', () => void socketErrors++);
  // Without a callback dgram drops a failed send silently (ECONNREFUSED after an ICMP port-unreachable, ...).
  const onSent = (err: Error | null): void => {
    if (err) socketErrors++;
  };

  let peerAddress = '';
  let peerPort = 0;
  front.on('message', (msg, rinfo) => {
    if (rinfo.port !== peerPort || rinfo.address !== peerAddress) {
      peerPort = rinfo.port;
      peerAddress = rinfo.address;
    }
    fromSender(msg, true);
  });
  back.on('message', (msg) => fromTarget(msg, true));

  const bound = front.address();
  return {
    address: { host: bound.address, port: bound.port },
    path: 'dgram',
    get socketErrors() {
      return socketErrors;
    },
    // What the chain delivers is either dgram's own buffer or its own copy, never reused: send() can take it as is.
    forward: (datagram) => back.send(datagram, onSent),
    reply: (datagram) => {
      if (peerPort === 0) return false;
      front.send(datagram, peerPort, peerAddress, onSent);
      return true;
    },
    close: async () => {
      await Promise.all([closeSocket(front), closeSocket(back)]);
    },
  };
}
