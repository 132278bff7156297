import { endianness } from 'node:os';
import { isIpv6, socketHost, type Endpoint } from './endpoint.js';

/*
 * The struct sockaddr the addon's sendTo takes, built in JS from an endpoint already validated as an IP address:
 *   sockaddr_in  (16 bytes): family (host order), port (network order), 4 address bytes, 8 zero bytes
 *   sockaddr_in6 (28 bytes): family, port, flowinfo, 16 address bytes, scope id
 */
const AF_INET = 2;
const AF_INET6 = 10;
const LITTLE = endianness() === 'LE';

/** Room for a struct sockaddr_in6, the largest address the addon reads or writes. */
export const SOCKADDR_BYTES = 28;

function ipv6Bytes(text: string): Buffer {
  const out = Buffer.alloc(16);
  let head = text;
  let tail = '';
  const gap = text.indexOf('::');
  if (gap >= 0) {
    head = text.slice(0, gap);
    tail = text.slice(gap + 2);
  }
  const words = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const last = groups.at(-1)!;
    // An embedded IPv4 address (::ffff:1.2.3.4) is the last two words.
    if (last.includes('.')) {
      const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
      groups.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
    }
    return groups.map((g) => parseInt(g, 16));
  };
  const front = words(head);
  const back = words(tail);
  front.forEach((w, i) => out.writeUInt16BE(w, 2 * i));
  back.forEach((w, i) => out.writeUInt16BE(w, 2 * (8 - back.length + i)));
  return out;
}

/** The sockaddr of `e` (its host an IP address or localhost). */
export function sockaddrOf(e: Endpoint): Buffer {
  const host = socketHost(e);
  const out = Buffer.alloc(SOCKADDR_BYTES);
  const family = isIpv6(host) ? AF_INET6 : AF_INET;
  if (LITTLE) out.writeUInt16LE(family, 0);
  else out.writeUInt16BE(family, 0);
  out.writeUInt16BE(e.port, 2);
  if (family === AF_INET) {
    host.split('.').forEach((octet, i) => { out[4 + i] = Number(octet); });
  } else {
    ipv6Bytes(host.split('%')[0]!).copy(out, 8);
  }
  return out;
}

/**
 * Copies the IP address of the struct sockaddr at `name[at]` (as recvmmsg reports a sender) into `out` in IPv6 form,
 * an IPv4 address as IPv4-mapped (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2), so one comparison serves both
 * families. False for another family (nothing written).
 */
export function sockaddrIp(name: Buffer, at: number, out: Uint8Array): boolean {
  const family = LITTLE ? name.readUInt16LE(at) : name.readUInt16BE(at);
  if (family === AF_INET) {
    out.fill(0, 0, 10);
    out[10] = 0xff;
    out[11] = 0xff;
    for (let i = 0; i < 4; i++) out[12 + i] = name[at + 4 + i]!;
    return true;
  }
  if (family === AF_INET6) {
    for (let i = 0; i < 16; i++) out[i] = name[at + 8 + i]!;
    return true;
  }
  return false;
}
