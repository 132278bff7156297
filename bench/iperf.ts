/** iperf3's UDP packet rate over loopback with 1400-byte IP packets: the practical ceiling for any sender. */
import { Child } from './child.js';
import { freeUdpPort } from './ports.js';

export interface Ceiling {
  /** Datagrams a second the client sent and the server received. */
  sentPerSec: number;
  receivedPerSec: number;
  lostPct: number;
  datagramBytes: number;
}

/** 1400-byte IP packets less the 20-byte IP and 8-byte UDP headers, as framewire's --mtu 1400 sends. */
const DATAGRAM_BYTES = 1372;

export async function measureCeiling(seconds: number): Promise<Ceiling> {
  const port = await freeUdpPort();
  const server = Child.start('iperf3', ['-s', '-1', '--forceflush', '-p', String(port)], { timeoutMs: (seconds + 30) * 1000 });
  await server.waitFor('Server listening');
  let json = '';
  const client = Child.start('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-u', '-b', '0',
    '-w', '32M', '-l', String(DATAGRAM_BYTES), '-t', String(seconds), '-J'], {
    timeoutMs: (seconds + 30) * 1000,
    onLine: (line) => { json += `${line}\n`; },
  });
  await client.succeeded();
  await server.exited;
  return parseIperf(json);
}

interface IperfJson {
  end?: { sum?: { packets?: number; lost_packets?: number; seconds?: number; lost_percent?: number } };
  error?: string;
}

export function parseIperf(text: string): Ceiling {
  const report = JSON.parse(text) as IperfJson;
  const sum = report.end?.sum;
  if (!sum?.packets || !sum.seconds) throw new Error(`iperf3: no UDP summary in its report${report.error ? `: ${report.error}` : ''}`);
  return {
    sentPerSec: sum.packets / sum.seconds,
    receivedPerSec: (sum.packets - (sum.lost_packets ?? 0)) / sum.seconds,
    lostPct: sum.lost_percent ?? 0,
    datagramBytes: DATAGRAM_BYTES,
  };
}
