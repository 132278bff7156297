import { isIP } from 'node:net';
import { UsageError } from '../usage-error.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** Parses HOST:PORT (IPv6 as [::1]:PORT). Port 0 is allowed only where `allowZero` (ephemeral listen). */
export function parseEndpoint(text: string, field: string, allowZero = false): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`${field}: '${text}' is not HOST:PORT (e.g. 127.0.0.1:5004)`);
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535 || (port === 0 && !allowZero)) {
    throw new UsageError(`${field}: port ${port} is out of range (1-65535)`);
  }
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new UsageError(`${field}: '${host}' is not an IP address or localhost`);
  }
  return { host, port };
}

export function formatEndpoint(e: Endpoint): string {
  return isIpv6(e.host) ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** The address to give a socket: `localhost` is taken as 127.0.0.1, so a socket never waits on a name lookup. */
export function socketHost(e: Endpoint): string {
  return e.host === 'localhost' ? '127.0.0.1' : e.host;
}

export function isIpv6(host: string): boolean {
  return isIP(host) === 6;
}

/** A loopback address (127/8, ::1 or localhost): a socket bound there is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
