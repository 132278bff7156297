/**
 * Relay throughput: a sender process offers datagrams at a fixed rate for a few seconds; the relay (this
 * process, unimpaired) forwards them to a receiver process that counts them. Reports the relay's forwarding
 * rate (when the offer exceeds it, its capacity: what it does not take in time the kernel drops at its socket)
 * and the delivery at the receiver.
 *
 *   npx tsx bench/netsim-relay.ts [--seconds 3] [--bytes 1200] [--pps 150000]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parseNetworkConfig, startRelay, type RelayStats } from '../src/netsim/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    bytes: { type: 'string', default: '1200' },
    pps: { type: 'string', default: '150000' },
  },
});
const seconds = Number(values.seconds);
const bytes = Number(values.bytes);
const pps = Number(values.pps);

const RECEIVER = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
let count = 0;
s.on('message', () => { count++; });
s.bind(0, '127.0.0.1', () => {
  try { s.setRecvBufferSize(8 * 1024 * 1024); } catch {}
  process.send({ port: s.address().port });
});
process.on('message', () => { process.send({ count }); s.close(); process.disconnect(); });
`;

// Paced in 1 ms batches, sleeping between them: a sender that spins or blasts burns the CPU the relay needs.
const SENDER = `
const dgram = require('node:dgram');
const [port, bytes, seconds, pps] = process.argv.slice(1).map(Number);
const s = dgram.createSocket('udp4');
s.connect(port, '127.0.0.1', () => {
  try { s.setSendBufferSize(8 * 1024 * 1024); } catch {}
  const payload = Buffer.alloc(bytes, 7);
  const start = performance.now();
  const total = Math.round(pps * seconds);
  let sent = 0;
  const pump = () => {
    const due = Math.min(total, Math.floor((performance.now() - start) * pps / 1000));
    for (; sent < due; sent++) s.send(payload);
    if (sent < total) setTimeout(pump, 1);
    else setTimeout(() => { process.send({ sent }); s.close(); process.disconnect(); }, 200);
  };
  pump();
});
`;

function child(code: string, args: string[] = []) {
  return fork('-e', [code, ...args], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage<T>(proc: ReturnType<typeof fork>): Promise<T> {
  return once(proc, 'message').then(([m]) => m as T);
}

interface Run {
  sent: number;
  forwarded: number;
  received: number;
  elapsedSec: number;
  stats: RelayStats;
}

/** One run: receiver process <- relay (here) <- sender process offering `rate` packets/s. */
async function relayRun(network: unknown, rate: number, runSeconds: number): Promise<Run> {
  const receiver = child(RECEIVER);
  const { port } = await nextMessage<{ port: number }>(receiver);
  const relay = await startRelay({
    listen: { host: '127.0.0.1', port: 0 },
    to: { host: '127.0.0.1', port },
    network: parseNetworkConfig(network),
    seed: 1,
  });
  let first = 0;
  let last = 0;
  let seen = 0;
  const sampler = setInterval(() => {
    const n = relay.stats.forward.forwarded;
    if (n > 0 && first === 0) first = performance.now();
    if (n > seen) last = performance.now();
    seen = n;
  }, 5);
  const sender = child(SENDER, [String(relay.address.port), String(bytes), String(runSeconds), String(rate)]);
  const { sent } = await nextMessage<{ sent: number }>(sender);
  clearInterval(sampler);
  const stats = await relay.close();
  receiver.send('report');
  const { count } = await nextMessage<{ count: number }>(receiver);
  return { sent, forwarded: stats.forward.forwarded, received: count, elapsedSec: (last - first) / 1000, stats };
}

async function main(): Promise<void> {
  const t = await relayRun({}, pps, seconds);
  console.log(`netsim relay, unimpaired, ${bytes}-byte datagrams offered at ${pps} packets/s for ${seconds}s:`);
  console.log(`  sender sent     ${t.sent}`);
  console.log(`  relay forwarded ${t.forwarded} in ${t.elapsedSec.toFixed(2)}s = ${Math.round(t.forwarded / t.elapsedSec)} packets/s`);
  console.log(`  receiver got    ${t.received} (${((100 * t.received) / Math.max(1, t.forwarded)).toFixed(1)}% of forwarded)`);

  const d = await relayRun({ delay: '20ms', jitter: '5ms' }, 2000, seconds);
  const late = d.stats.forward.latenessUs;
  console.log(`netsim relay, delay 20ms +/- 5ms at 2000 packets/s for ${seconds}s:`);
  console.log(`  delay error (actual - scheduled) over ${late.count} packets: p50 ${late.p50}us, p99 ${late.p99}us, max ${late.max}us`);
  console.log(`  receiver got    ${d.received} of ${d.sent}`);
}

await main();
