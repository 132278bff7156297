import type { Endpoint } from '../transport/endpoint.js';
import { bindNativeRelaySocket, connectNativeRelaySocket, type NativeRelaySocket } from '../transport/native-udp.js';
import type { SendPath } from '../transport/port.js';
import { bindSocket, closeSocket, connectSocket } from '../transport/udp.js';
import { createImpairmentChain, type ChainOptions, type ChainStats, type ImpairmentChain } from './chain.js';
import { TimedPacerOutput } from './timed-output.js';
import { warmUp } from './warm-up.js';
import { parseNetworkConfig, type DirectionConfig, type FieldLabel, type ImpairmentSettings, type NetworkConfig } from './config.js';
import { isRtcp, RTP_HEADER_BYTES, RTP_VERSION } from '../rtp/rtp-header.js';
import { Direction, randomSeed } from './rng.js';
import { monotonicUs } from './scheduler.js';
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
  // Before the real sockets open, so that no datagram waits for it.
  await warmUp(openRelay, options.network);
  return openRelay(options);
}

async function openRelay(options: RelayOptions): Promise<Relay> {
  const seed = options.seed ?? options.network.seed ?? randomSeed();
  const label = options.label ?? ((path) => String(path[0]));
  const trace: Trace | undefined = options.replay ? await readTrace(options.replay, label(['replay'])) : undefined;
  const writer: TraceWriter | undefined = options.record ? await createTraceWriter(options.record, label(['record'])) : undefined;

  let noPeer = 0;
  // The chains are built once the sockets are open (a native socket brings the timed output the chains send through);
  // nothing is received in between, as opening the native sockets and building the chains happen in one turn.
  let chains: { media: ImpairmentChain; repair: ImpairmentChain; rtcp: ImpairmentChain } | undefined;
  let reverse: ImpairmentChain | undefined;
  const classify = new StreamClassifier();
  const fromSender: OnRelayed = (datagram, owned, arrivalUs) => chains?.[classify.of(datagram)].push(datagram, owned, arrivalUs);
  const fromTarget: OnRelayed = (datagram, owned) => reverse?.push(datagram, owned);
  let open: RelayPorts;
  try {
    open =
      openNativePorts(options.listen, options.to, fromSender, fromTarget) ??
      (await openDgramPorts(options.listen, options.to, fromSender, fromTarget));
  } catch (err) {
    await writer?.close();
    throw err;
  }

  /** A chain going forward, sending through the timed output when the sockets have one. */
  const forwardChain = (config: DirectionConfig, direction: Direction, extra: Partial<ChainOptions> = {}): ImpairmentChain => {
    const lane = open.timed?.lane();
    const chain = createImpairmentChain(config, { seed, direction, deliver: (datagram) => open.forward(datagram), timed: lane, ...extra });
    lane?.attach(chain);
    return chain;
  };
  const forward = forwardChain(options.network, Direction.forward, {
    record: writer && ((fate) => writer.record('forward', fate)),
    replay: trace?.forward,
  });
  // Side streams get the forward settings but their own ordinals (so no drop list: its ordinals are the media's).
  const repair = forwardChain(withoutDropList(options.network), Direction.forwardRepair);
  const rtcp = forwardChain(withoutDropList(options.network), Direction.forwardRtcp);
  chains = { media: forward, repair, rtcp };
  const backward = createImpairmentChain(reverseConfig(options.network), {
    seed,
    direction: Direction.reverse,
    deliver: (datagram) => {
      if (!open.reply(datagram)) noPeer++;
    },
    record: writer && ((fate) => writer.record('reverse', fate)),
    replay: trace?.reverse,
  });
  reverse = backward;

  const stats = (): RelayStats => ({
    forward: forward.stats,
    reverse: backward.stats,
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
      backward.reconfigure(reverseConfig(network));
    },
    close() {
      closing ??= (async () => {
        for (const chain of [forward, repair, rtcp, backward]) chain.close();
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

/**
 * A datagram for the relay to pass on; `owned` says whether the relay may keep the buffer itself; `arrivalUs`, on the
 * chains' clock (monotonicUs), when it arrived if the socket knows better than now.
 */
type OnRelayed = (datagram: Buffer, owned: boolean, arrivalUs?: number) => void;


/** The relay's two sockets, front (bound at `listen`) and back (connected to `to`), however they are implemented. */
interface RelayPorts {
  readonly address: Endpoint;
  readonly path: SendPath;
  /** Sends delayed datagrams forward at their exact due times (a native send thread), where there is one. */
  readonly timed?: TimedPacerOutput;
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
  // Delays count from each datagram's kernel receive stamp (never later than now, should the clock have stepped).
  const front: NativeRelaySocket | undefined = bindNativeRelaySocket(listen, (datagram, stampUs) =>
    fromSender(datagram, false, Math.min(monotonicUs(), front!.stampToMonotonicUs(stampUs))));
  if (!front) return undefined;
  let back;
  try {
    back = connectNativeRelaySocket(to, (datagram) => fromTarget(datagram, false));
  } finally {
    if (!back) void front.close();
  }
  if (!back) return undefined;
  const timed = new TimedPacerOutput(back);
  const ports: RelayPorts = {
    address: front.address,
    path: 'sendmmsg',
    timed,
    get socketErrors() {
      return front.sendErrors + back.sendErrors + front.receiveErrors + back.receiveErrors + timed.refused;
    },
    forward: (datagram) => back.queue(datagram),
    reply: (datagram) => front.reply(datagram),
    close: async () => {
      timed.close();
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
