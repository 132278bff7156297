import { isIP } from 'node:net';
import { SettingError } from '../usage-error.js';
import { sockaddrIp, sockaddrOf } from './sockaddr.js';

/**
 * Which hosts a receiver takes datagrams from (`receive --from HOST[/PREFIX]`). UDP has no handshake: anyone who can
 * reach the port can inject packets, and a valid-looking RTP packet from a stranger is only kept out by the SSRC
 * rules while the real sender talks. A source filter turns strangers away by address before anything is parsed,
 * and counts them. Rules are kept in IPv6 form, an IPv4 prefix as an IPv4-mapped one (prefix + 96), so a dual-stack
 * socket's mapped senders match IPv4 rules too.
 */
interface Rule {
  readonly bytes: Uint8Array;
  readonly bits: number;
}

const MAPPED_BITS = 96;

export class SourceFilter {
  /** Datagrams turned away because no rule allows their sender. */
  rejected = 0;
  /** The address being checked, reused so checking allocates nothing. */
  private readonly scratch = new Uint8Array(16);

  private constructor(
    private readonly rules: readonly Rule[],
    /** The rules as given, for messages and reports. */
    readonly description: string,
  ) {}

  /** Rules from `HOST[/PREFIX]` entries, each of which may be a comma-separated list; a SettingError names `from`. */
  static parse(entries: readonly string[]): SourceFilter {
    const specs = entries.flatMap((e) => e.split(',')).map((s) => s.trim());
    if (specs.length === 0 || specs.some((s) => s === '')) {
      throw new SettingError('from', `'${entries.join(',')}' is not a list of HOST or HOST/PREFIX`);
    }
    return new SourceFilter(specs.flatMap(rule), specs.join(','));
  }

  /** Whether the sender whose struct sockaddr is at `name[at]` may send here (native path); counts a refusal. */
  allowsSockaddr(name: Buffer, at: number): boolean {
    if (sockaddrIp(name, at, this.scratch) && this.matches()) return true;
    this.rejected++;
    return false;
  }

  /** As allowsSockaddr, for the address text node:dgram reports. */
  allowsAddress(address: string): boolean {
    return this.allowsSockaddr(sockaddrOf({ host: address, port: 0 }), 0);
  }

  private matches(): boolean {
    const a = this.scratch;
    for (const r of this.rules) {
      let bits = r.bits;
      let i = 0;
      for (; bits >= 8; i++, bits -= 8) if (a[i] !== r.bytes[i]) break;
      if (bits >= 8) continue;
      if (bits === 0 || ((a[i]! ^ r.bytes[i]!) & (0xff00 >> bits) & 0xff) === 0) return true;
    }
    return false;
  }
}

function rule(spec: string): Rule[] {
  const m = /^(.+?)(?:\/(\d{1,3}))?$/.exec(spec);
  const host = m?.[1] === 'localhost' ? '127.0.0.1' : (m?.[1] ?? '');
  const family = isIP(host);
  const max = family === 6 ? 128 : 32;
  const prefix = m?.[2] === undefined ? max : Number(m[2]);
  if (family === 0 || prefix > max) {
    throw new SettingError(
      'from',
      `'${spec}' is not HOST or HOST/PREFIX (an IPv4 address with a prefix up to 32, or an IPv6 address with one up to 128)`,
    );
  }
  const bytes = new Uint8Array(16);
  sockaddrIp(sockaddrOf({ host, port: 0 }), 0, bytes);
  const rules = [{ bytes, bits: family === 4 ? prefix + MAPPED_BITS : prefix }];
  if (m?.[1] === 'localhost') {
    // localhost is both loopbacks (127.0.0.1 and ::1), as a dual-stack sender may use either.
    const ipv6Loopback = new Uint8Array(16);
    ipv6Loopback[15] = 1;
    rules.push({ bytes: ipv6Loopback, bits: 128 });
  }
  return rules;
}
