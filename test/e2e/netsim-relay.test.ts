import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNetworkConfig } from '../../src/netsim/config.js';
import { startRelay, type Relay } from '../../src/netsim/relay.js';
import { startFramewire } from '../support/cli.js';
import { envForSuite } from '../support/native.js';
import { until } from '../support/until.js';

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

function port(s: Socket): number {
  return s.address().port;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the relay and the two ends have seen, for a wait that timed out. */
function flow(relay: Relay, counts: Record<string, { length: number } | number>): () => string {
  return () => {
    const { forward, reverse, noPeer, socketErrors } = relay.stats;
    const ends = Object.entries(counts).map(([k, v]) => `${k} ${typeof v === 'number' ? v : v.length}`).join(', ');
    return `${ends}; relay forward received ${forward.received} forwarded ${forward.forwarded} pending ${forward.pending}, ` +
      `reverse received ${reverse.received} forwarded ${reverse.forwarded}, noPeer ${noPeer}, socketErrors ${socketErrors}`;
  };
}

describe('e2e: netsim relay over real UDP sockets', function () {
  this.timeout(30_000);
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** `framewire netsim` with arguments it must refuse up front; a relay it started by mistake is stopped after the test. */
  function refused(args: string[]) {
    const { child, result } = startFramewire(['netsim', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:9', ...args]);
    cleanup.push(() => child.kill());
    return result;
  }

  /**
   * client -> relay -> server, and the server echoes every datagram back to whoever sent it (through the relay).
   * `settled()` holds when no datagram sits in any socket buffer: the relay read all `sent`, the server read all the
   * relay forwarded (those the chain still delays are not forwarded yet) and every client read all the replies.
   */
  async function echoThrough(network: unknown, record?: string) {
    const server = await udp();
    const serverGot: number[] = [];
    let repliesRead = 0;
    server.on('message', (msg, rinfo) => {
      serverGot.push(msg.readUInt32BE(0));
      server.send(msg, rinfo.port, rinfo.address);
    });
    const relay: Relay = await startRelay({
      listen: { host: '127.0.0.1', port: 0 },
      to: { host: '127.0.0.1', port: port(server) },
      network: parseNetworkConfig(network),
      seed: 1234,
      record,
    });
    cleanup.push(() => relay.close(), () => server.close());
    /** Another sender to the relay, recording the replies it reads. */
    const addClient = async () => {
      const socket = await udp();
      const got: number[] = [];
      socket.on('message', (msg) => {
        got.push(msg.readUInt32BE(0));
        repliesRead++;
      });
      cleanup.push(() => socket.close());
      return { socket, got };
    };
    const { socket: client, got: clientGot } = await addClient();
    const settled = (sent: number) => () => {
      const { forward, reverse } = relay.stats;
      return forward.received === sent && serverGot.length === forward.forwarded &&
        reverse.received === serverGot.length && repliesRead === reverse.forwarded;
    };
    return { client, server, relay, serverGot, clientGot, addClient, settled };
  }

  /** Datagrams in flight at once: far inside every socket buffer, so no plain socket here ever overflows. */
  const WINDOW = 50;

  /**
   * Sends `datagrams` from `from` to the relay a window at a time, waiting after each window until `settled(sent so
   * far)` holds: flow control, so that what the test sees depends on the relay, not on which socket in this one
   * event loop happens to read fastest (a plain dgram socket reads 32 datagrams a turn, the relay up to 1,024).
   */
  async function sendWindowed(
    from: Socket,
    relay: Relay,
    datagrams: Iterable<Buffer>,
    settled: (sent: number) => () => boolean,
  ): Promise<void> {
    let sent = 0;
    const drained = () => until(settled(sent), flow(relay, { sent }));
    for (const d of datagrams) {
      from.send(d, relay.address.port, '127.0.0.1');
      if (++sent % WINDOW === 0) await drained();
    }
    await drained();
  }

  /** `count` datagrams of 200 bytes, each carrying its number. */
  function* numbered(count: number): Generator<Buffer> {
    for (let i = 0; i < count; i++) {
      const d = Buffer.alloc(200);
      d.writeUInt32BE(i, 0);
      yield d;
    }
  }

  for (const { native, path } of [
    { native: undefined, path: 'sendmmsg' },
    { native: '0', path: 'dgram' },
  ] as const) {
    describe(`startRelay on ${path}${native ? ` (FRAMEWIRE_NATIVE=${native})` : ''}`, () => {
      envForSuite({ FRAMEWIRE_NATIVE: native });

      it(`moves datagrams with ${path}`, async () => {
        const { relay } = await echoThrough({});
        expect(relay.path).to.equal(path);
      });

      it('forwards both ways, impairing only the forward direction by default, and counts it all', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'netsim-e2e-'));
        const trace = join(dir, 'trace.jsonl');
        const { client, relay, serverGot, clientGot, settled } = await echoThrough({ loss: '30%' }, trace);
        await sendWindowed(client, relay, numbered(400), settled);
        const stats = await relay.close();
        expect(stats.forward.received).to.equal(400);
        expect(stats.forward.dropped.loss).to.be.within(80, 160);
        expect(stats.forward.forwarded).to.equal(400 - stats.forward.dropped.loss);
        expect(serverGot).to.have.length(stats.forward.forwarded);
        // Every echo came back: the reverse direction is clean.
        expect(stats.reverse).to.include({ received: serverGot.length, forwarded: serverGot.length });
        expect(stats.reverse.dropped).to.deep.equal({ loss: 0, queue: 0, dropList: 0 });
        expect(clientGot.sort((a, b) => a - b)).to.deep.equal([...serverGot].sort((a, b) => a - b));
        // The trace names exactly the ordinals the server never saw.
        const lines = (await readFile(trace, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
        const droppedOrdinals = lines.filter((l) => l.direction === 'forward' && l.fate === 'dropped').map((l) => l.ordinal);
        const got = new Set(serverGot);
        expect(droppedOrdinals.length).to.equal(stats.forward.dropped.loss);
        for (const o of droppedOrdinals) expect(got.has(o)).to.equal(false);
      });

      it('impairs the reverse direction when the config has a reverse section', async () => {
        const { client, relay, serverGot, clientGot, settled } = await echoThrough({ reverse: { dropList: [0, 1, 2] } });
        await sendWindowed(client, relay, numbered(20), settled);
        expect(serverGot).to.have.length(20);
        expect(clientGot).to.deep.equal([...Array(20).keys()].slice(3));
        expect(relay.stats.reverse.dropped.dropList).to.equal(3);
        expect(relay.stats.forward.forwarded).to.equal(20);
      });

      it('setNetwork switches the impairment live, on the same sockets, with ordinals carrying on', async () => {
        const { client, relay, serverGot, settled } = await echoThrough({});
        const after = (already: number) => (sent: number) => settled(already + sent);
        await sendWindowed(client, relay, numbered(50), settled);
        expect(serverGot).to.have.length(50);
        relay.setNetwork(parseNetworkConfig({ dropList: [60, 61], loss: '100%' }));
        await sendWindowed(client, relay, numbered(50), after(50));
        expect(serverGot).to.have.length(50);
        relay.setNetwork(parseNetworkConfig({ reverse: { loss: '100%' } }));
        await sendWindowed(client, relay, numbered(50), after(100));
        expect(serverGot).to.have.length(100);
        const stats = await relay.close();
        expect(stats.forward.dropped.loss + stats.forward.dropped.dropList).to.equal(50);
        expect(stats.forward.dropped.dropList).to.equal(2); // ordinals 60 and 61: the count went on from 50
        expect(stats.reverse.dropped.loss).to.equal(50); // the echoes of the third batch, by the new reverse section
      });

      it('same seed, same fates over the wire', async () => {
        const runs: number[][] = [];
        for (let r = 0; r < 2; r++) {
          const { client, relay, serverGot, settled } = await echoThrough({ loss: '20%', duplicate: '10%' });
          await sendWindowed(client, relay, numbered(300), settled);
          runs.push(serverGot.slice());
          for (const c of cleanup.splice(0).reverse()) await c();
        }
        expect(runs[1]).to.deep.equal(runs[0]);
      });

      it('forwards thousands of datagrams of all sizes byte-exact and in order, then echoes them all back', async () => {
        const { client, relay, server, clientGot, settled } = await echoThrough({});
        // A window of datagrams of up to 9 KB is more than the default receive buffers of these plain sockets hold.
        for (const s of [client, server]) s.setRecvBufferSize(8 * 1024 * 1024);
        const got: Buffer[] = [];
        server.on('message', (msg) => got.push(msg));
        // Sizes from 4 bytes to 9 KB, so batches mix datagrams far apart in size (and GSO runs end in a short one).
        const sent = Array.from({ length: 3000 }, (_, i) => {
          const d = Buffer.alloc(4 + ((i * 997) % 9000), i % 251);
          d.writeUInt32BE(i, 0);
          return d;
        });
        await sendWindowed(client, relay, sent, settled);
        expect(clientGot).to.have.length(3000);
        expect(got.map((d) => d.readUInt32BE(0))).to.deep.equal(sent.map((_, i) => i));
        for (let i = 0; i < sent.length; i++) expect(got[i]!.equals(sent[i]!), `datagram ${i}`).to.equal(true);
        expect(relay.stats).to.deep.include({ noPeer: 0, socketErrors: 0 });
      });

      it('forwards what the chain delays, after the receive batch that brought it is long gone', async () => {
        const { client, relay, serverGot, clientGot, settled } = await echoThrough({ delay: '5ms', jitter: '2ms' });
        await sendWindowed(client, relay, numbered(300), settled);
        await until(() => serverGot.length === 300 && clientGot.length === 300 && settled(300)(), flow(relay, { serverGot, clientGot }));
        expect(serverGot.slice().sort((a, b) => a - b)).to.deep.equal([...Array(300).keys()]);
      });

      it('sends replies to whoever sent last', async () => {
        const { client, relay, clientGot, addClient, settled } = await echoThrough({});
        await sendWindowed(client, relay, numbered(5), settled);
        const other = await addClient();
        await sendWindowed(other.socket, relay, numbered(7), (sent) => settled(5 + sent));
        expect(other.got).to.have.length(7);
        expect(clientGot).to.have.length(5);
        expect(relay.stats.noPeer).to.equal(0);
      });

      it('carries replies again once a peer that was away (ICMP port unreachable) is back on its port', async () => {
        const probe = await udp();
        const serverPort = port(probe);
        await new Promise<void>((resolve) => probe.close(resolve));
        const relay = await startRelay({
          listen: { host: '127.0.0.1', port: 0 },
          to: { host: '127.0.0.1', port: serverPort },
          network: parseNetworkConfig({}),
        });
        const client = await udp();
        cleanup.push(() => relay.close(), () => client.close());
        const replies: number[] = [];
        client.on('message', (msg) => replies.push(msg.readUInt32BE(0)));
        // Nobody at `to`: each forward draws an ICMP port unreachable onto the relay's back socket.
        await sendWindowed(client, relay, numbered(10), (sent) => () => relay.stats.forward.received === sent);
        await until(() => relay.stats.socketErrors > 0, flow(relay, { replies }));
        const server = createSocket('udp4');
        await new Promise<void>((resolve) => server.bind(serverPort, '127.0.0.1', resolve));
        cleanup.push(() => server.close());
        server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
        for (const d of numbered(5)) client.send(d, relay.address.port, '127.0.0.1');
        await until(() => replies.length === 5, flow(relay, { replies }));
        expect(replies).to.deep.equal([0, 1, 2, 3, 4]);
      });

      it('counts sends refused while nothing listens at `to`, and keeps relaying', async () => {
        const gone = await udp();
        const closedPort = port(gone);
        await new Promise<void>((resolve) => gone.close(resolve));
        const client = await udp();
        const relay = await startRelay({
          listen: { host: '127.0.0.1', port: 0 },
          to: { host: '127.0.0.1', port: closedPort },
          network: parseNetworkConfig({}),
        });
        cleanup.push(() => relay.close(), () => client.close());
        await sendWindowed(client, relay, numbered(500), (sent) => () => relay.stats.forward.received === sent);
        expect(relay.stats.socketErrors).to.be.above(0);
        const stats = await relay.close();
        expect(stats.forward.forwarded).to.equal(500);
      });
    });
  }

  it('framewire netsim: prints the seed, relays, and prints a summary on SIGINT (exit 0)', async () => {
    const server = await udp();
    cleanup.push(() => server.close());
    let got = 0;
    server.on('message', () => got++);
    const { child, result } = startFramewire([
      'netsim', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${port(server)}`, '--drop', '0,1', '--seed', '42',
    ]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    await until(() => /relaying 127\.0\.0\.1:(\d+)/.test(stderr), () => `the relaying line on stderr: ${stderr}`, 15_000);
    expect(stderr).to.contain('netsim: seed 42 (replay with --seed 42)');
    const relayPort = Number(/relaying 127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    const client = await udp();
    cleanup.push(() => client.close());
    for (let i = 0; i < 10; i++) client.send(Buffer.alloc(64), relayPort, '127.0.0.1');
    await until(() => got === 8, () => `8 datagrams at the server, got ${got}`);
    child.kill('SIGINT');
    const { code, stderr: all } = await result;
    expect(code).to.equal(0);
    expect(all).to.match(/forward: received 10, forwarded 8, dropped 2 \(loss 0, queue 0, drop-list 2\)/);
  });

  it('framewire netsim --replay: says what it replays (not a seed) and counts a fate that does not fit its datagram', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netsim-replay-'));
    const trace = join(dir, 'trace.jsonl');
    const fate = (ordinal: number, more: object) =>
      JSON.stringify({ direction: 'forward', ordinal, fate: 'forwarded', duplicated: false, corrupted: null, reordered: false, delayUs: 0, ...more });
    // Ordinal 1's bit 100 is beyond the 6-byte datagram sent as ordinal 1; ordinal 3 is not in the trace.
    await writeFile(trace, [
      fate(0, { fate: 'dropped', cause: 'loss' }), fate(1, { corrupted: 100 }), fate(2, { corrupted: 0 }),
    ].join('\n') + '\n');
    const server = await udp();
    cleanup.push(() => server.close());
    const got: Buffer[] = [];
    server.on('message', (msg) => got.push(msg));
    const { child, result } = startFramewire([
      'netsim', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${port(server)}`, '--replay', trace,
    ]);
    cleanup.push(() => child.kill());
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    await until(() => /relaying 127\.0\.0\.1:(\d+)/.test(stderr), () => `the relaying line on stderr: ${stderr}`, 15_000);
    expect(stderr).to.contain(`netsim: replaying ${trace}\n`);
    expect(stderr).to.not.match(/seed/);
    const relayPort = Number(/relaying 127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    const client = await udp();
    cleanup.push(() => client.close());
    for (let i = 0; i < 4; i++) client.send(Buffer.alloc(6, i), relayPort, '127.0.0.1');
    await until(() => got.length === 3, () => `3 datagrams at the server, got ${got.length}`);
    child.kill('SIGINT');
    const { code, stderr: all } = await result;
    expect(code).to.equal(0);
    expect(got.map((d) => d.toString('hex'))).to.deep.equal(['010101010101', '820202020202', '030303030303']);
    expect(all).to.match(/forward: received 4, forwarded 3, dropped 1 \(loss 1, queue 0, drop-list 0\), duplicated 0, corrupted 1, .*not in trace 1, replay errors 1\n/);
  });

  it('framewire netsim: a bad flag exits 2 naming the flag', async () => {
    const { result } = startFramewire(['netsim', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:9', '--jitter', '5']);
    const { code, stderr } = await result;
    expect(code).to.equal(2);
    expect(stderr).to.contain("--jitter: '5' has no unit (use 5ms or 5s)");
  });

  it('framewire netsim: a setting missing for a flag given is named by its flag', async () => {
    const args = ['netsim', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:9', '--loss', '10%', '--loss-model', 'gilbert-elliott'];
    const { code, stderr } = await startFramewire(args).result;
    expect(code).to.equal(2);
    expect(stderr).to.match(/^framewire: --burst: /m);
  });

  it('framewire netsim: a delay of a month is a usage error naming the flag', async () => {
    const { code, stderr } = await refused(['--delay', '2600000s']);
    expect(code).to.equal(2);
    expect(stderr).to.equal("framewire: --delay: '2600000s' is more than the maximum of 3600s (1 hour)\n");
  });

  it('framewire netsim: a ratio flag given as a bare percentage says a bare number is a ratio', async () => {
    for (const flag of ['--loss', '--duplicate']) {
      const { code, stderr } = await refused([flag, '40']);
      expect(code).to.equal(2);
      expect(stderr).to.equal(`framewire: ${flag}: '40': a number without % is a ratio from 0 to 1; did you mean 40%?\n`);
    }
  });

  for (const [flag, value, message] of [
    ['--distribution', 'pareto', "must be 'uniform' or 'normal'"],
    ['--loss-model', 'random', "must be 'bernoulli' or 'gilbert-elliott'"],
  ]) {
    it(`framewire netsim: a choice flag's bad value is a framewire usage error: ${flag} ${value}`, async () => {
      const { code, stderr } = await refused([flag!, value!]);
      expect(code).to.equal(2);
      expect(stderr).to.equal(`framewire: ${flag}: ${message}\n`);
    });
  }

  it('framewire netsim --help lists the choices of its choice flags', async () => {
    const { code, stdout } = await startFramewire(['netsim', '--help']).result;
    expect(code).to.equal(0);
    expect(stdout).to.match(/--distribution <dist>\s+jitter distribution \(choices: "uniform", "normal"\)/);
    expect(stdout).to.match(/--loss-model <model>\s+loss model \(choices: "bernoulli",\s+"gilbert-elliott"\)/);
  });

  it('framewire netsim: a trace it cannot read is named by its flag (the library names the setting)', async () => {
    const missing = join(tmpdir(), 'framewire-no-such-trace.jsonl');
    const { code, stderr } = await refused(['--replay', missing]);
    expect(code).to.equal(2);
    expect(stderr).to.match(new RegExp(`^framewire: --replay: cannot read ${missing}: `, 'm'));
  });

  it('relays a GStreamer rtpvrawpay stream to a plain socket', async function () {
    const receiver = await udp();
    cleanup.push(() => receiver.close());
    // The whole stream (1.7 MB) fits: what this test checks is the relay, not how fast this loop reads a socket.
    receiver.setRecvBufferSize(8 * 1024 * 1024);
    let rtp = 0;
    let bad = 0;
    receiver.on('message', (msg) => {
      // RTP version 2, dynamic payload type, at least the fixed header.
      if (msg.length > 12 && msg[0]! >> 6 === 2 && (msg[1]! & 0x7f) >= 96) rtp++;
      else bad++;
    });
    const relay = await startRelay({
      listen: { host: '127.0.0.1', port: 0 },
      to: { host: '127.0.0.1', port: port(receiver) },
      network: parseNetworkConfig({ delay: '5ms', jitter: '1ms', reorderOnJitter: false }),
    });
    cleanup.push(() => relay.close());
    const gst = spawn('gst-launch-1.0', [
      '-q', 'videotestsrc', 'num-buffers=30', '!', 'video/x-raw,format=RGB,width=160,height=120', '!',
      'rtpvrawpay', '!', 'udpsink', 'host=127.0.0.1', `port=${relay.address.port}`,
    ], { stdio: 'ignore' });
    const [code] = await once(gst, 'exit');
    expect(code).to.equal(0);
    await until(() => relay.stats.forward.received > 0 && relay.stats.forward.pending === 0, flow(relay, { rtp, bad }));
    await sleep(50);
    const stats = relay.stats.forward;
    // 30 frames of 57,600 bytes at about 1,400 bytes a packet.
    expect(stats.received).to.be.at.least(30 * 40);
    expect(stats.forwarded).to.equal(stats.received);
    expect(rtp).to.equal(stats.forwarded);
    expect(bad).to.equal(0);
  });
});
