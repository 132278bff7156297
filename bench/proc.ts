/** Numbers the kernel keeps about a process or socket, read from /proc (Linux). */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface UdpSocketState {
  /** Bytes waiting in the receive buffer. */
  rxQueueBytes: number;
  /** Datagrams the kernel dropped because the receive buffer was full. */
  drops: number;
}

/** The IPv4 UDP socket bound to `port` in a /proc/net/udp text; undefined when there is none. */
export function parseUdpSocket(procNetUdp: string, port: number): UdpSocketState | undefined {
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of procNetUdp.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 13 || !cols[1]!.endsWith(wanted)) continue;
    const rxQueue = cols[4]!.split(':')[1] ?? '';
    return { rxQueueBytes: parseInt(rxQueue, 16), drops: Number(cols[cols.length - 1]) };
  }
  return undefined;
}

export async function udpSocket(port: number): Promise<UdpSocketState | undefined> {
  return parseUdpSocket(await readFile('/proc/net/udp', 'utf8'), port);
}

/**
 * Resolves once the socket on `port` has had an empty receive buffer for `stillMs` (its reader has caught up
 * with everything sent), or after `limitMs`; a receiver stopped before then would count data still queued as lost.
 */
export async function udpDrained(port: number, stillMs = 150, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  let emptySince: number | undefined;
  while (Date.now() - start < limitMs) {
    const state = await udpSocket(port);
    if (!state) return;
    if (state.rxQueueBytes > 0) emptySince = undefined;
    else if ((emptySince ??= Date.now()) + stillMs <= Date.now()) return;
    await sleep(25);
  }
}

/** Resident set size in MB from a /proc/PID/status text. */
export function parseVmRssMb(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : undefined;
}

export async function vmRssMb(pid: number): Promise<number | undefined> {
  try {
    return parseVmRssMb(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined; // the process has exited
  }
}
