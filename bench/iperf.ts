/**
 * iperf3's UDP rates over loopback, the practical ceilings for any sender: with 1400-byte IP packets (the packet
 * rate a C sender reaches, one trip through the stack each) and with 63,000-byte datagrams (the byte rate, which
 * per-packet costs no longer limit: what UDP GSO/GRO can approach with 1400-byte packets on the wire).
 */
import { Child } from './child.js';
import { freeUdpPort } from './ports.js';

export interface Ceiling {
  /** Datagrams a second the client sent and the server received. */
  sentPerSec: number;
  receivedPerSec: number;
  lostPct: number;
  datagramBytes: number;
  /** UDP payload bits received a second, in billions: receivedPerSec x datagramBytes x 8. */
  receivedGbps: number;
}

/** 1400-byte IP packets less the 20-byte IP and 8-byte UDP headers, as framewire's --mtu 1400 sends. */
export const PACKET_DATAGRAM_BYTES = 1372;
/** Large datagrams, under loopback's 65,536-byte MTU, as the issue's byte ceiling names them. */
export const BYTE_DATAGRAM_BYTES = 63_000;

export async function measureCeiling(seconds: number, datagramBytes: number): Promise<Ceiling> {
  const port = await freeUdpPort();
  const server = Child.start('iperf3', ['-s', '-1', '--forceflush', '-p', String(port)], { timeoutMs: (seconds + 30) * 1000 });
  await server.waitFor('Server listening');
  let json = '';
  const client = Child.start('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-u', '-b', '0',
    '-w', '32M', '-l', String(datagramBytes), '-t', String(seconds), '-J'], {
    timeoutMs: (seconds + 30) * 1000,
    onLine: (line) => { json += `${line}\n`; },
  });
  await client.succeeded();
  await server.exited;
  return parseIperf(json, datagramBytes);
}

interface IperfJson {
  end?: { sum?: { packets?: number; lost_packets?: number; seconds?: number; lost_percent?: number } };
  error?: string;
}

export function parseIperf(text: string, datagramBytes: number): Ceiling {
  const report = JSON.parse(text) as IperfJson;
  const sum = report.end?.sum;
  if (!sum?.packets || !sum.seconds) throw new Error(`iperf3: no UDP summary in its report${report.error ? `: ${report.error}` : ''}`);
  const receivedPerSec = (sum.packets - (sum.lost_packets ?? 0)) / sum.seconds;
  return {
    sentPerSec: sum.packets / sum.seconds,
    receivedPerSec,
    lostPct: sum.lost_percent ?? 0,
    datagramBytes,
    receivedGbps: (receivedPerSec * datagramBytes * 8) / 1e9,
  };
}
