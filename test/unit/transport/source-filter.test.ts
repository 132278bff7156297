import { expect } from 'chai';
import { sockaddrOf } from '../../../src/transport/sockaddr.js';
import { SourceFilter } from '../../../src/transport/source-filter.js';
import { SettingError } from '../../../src/usage-error.js';

/** Whether `filter` lets a datagram from `host` in, as the native path asks it (a struct sockaddr). */
function allows(filter: SourceFilter, host: string): boolean {
  return filter.allowsSockaddr(sockaddrOf({ host, port: 5004 }), 0);
}

describe('SourceFilter (receive --from)', () => {
  it('takes a host, a network by prefix, comma lists and repeats, IPv4 and IPv6', () => {
    const f = SourceFilter.parse(['10.1.2.3', '192.168.0.0/16,2001:db8::/32', 'fe80::1/128']);
    expect(allows(f, '10.1.2.3')).to.equal(true);
    expect(allows(f, '10.1.2.4')).to.equal(false);
    expect(allows(f, '192.168.77.1')).to.equal(true);
    expect(allows(f, '192.169.0.1')).to.equal(false);
    expect(allows(f, '2001:db8:ffff::9')).to.equal(true);
    expect(allows(f, '2001:db9::1')).to.equal(false);
    expect(allows(f, 'fe80::1')).to.equal(true);
    expect(allows(f, 'fe80::2')).to.equal(false);
    expect(f.rejected).to.equal(4);
    expect(f.description).to.equal('10.1.2.3,192.168.0.0/16,2001:db8::/32,fe80::1/128');
  });

  it('matches prefixes that end inside a byte, and /0', () => {
    const f = SourceFilter.parse(['172.16.0.0/12']);
    expect(allows(f, '172.31.255.255')).to.equal(true);
    expect(allows(f, '172.32.0.0')).to.equal(false);
    expect(allows(f, '172.15.255.255')).to.equal(false);
    expect(allows(SourceFilter.parse(['0.0.0.0/0']), '8.8.8.8')).to.equal(true);
    expect(allows(SourceFilter.parse(['0.0.0.0/0']), '::1')).to.equal(false);
    expect(allows(SourceFilter.parse(['::/0']), '::1')).to.equal(true);
  });

  it('lets an IPv4-mapped sender on a dual-stack socket match an IPv4 rule, and localhost mean both loopbacks', () => {
    expect(allows(SourceFilter.parse(['127.0.0.0/8']), '::ffff:127.0.0.9')).to.equal(true);
    expect(allows(SourceFilter.parse(['127.0.0.0/8']), '::ffff:128.0.0.9')).to.equal(false);
    const local = SourceFilter.parse(['localhost']);
    expect(allows(local, '127.0.0.1')).to.equal(true);
    expect(allows(local, '::1')).to.equal(true);
    expect(allows(local, '127.0.0.2')).to.equal(false);
  });

  it('reads node:dgram sender addresses the same way', () => {
    const f = SourceFilter.parse(['::1', '10.0.0.0/8']);
    expect(f.allowsAddress('::1')).to.equal(true);
    expect(f.allowsAddress('10.9.9.9')).to.equal(true);
    expect(f.allowsAddress('11.0.0.1')).to.equal(false);
    expect(f.rejected).to.equal(1);
  });

  it('refuses what is not HOST[/PREFIX] with a SettingError naming from', () => {
    for (const bad of [[''], ['10.0.0.1/33'], ['::1/129'], ['camera.local'], ['10.0.0.1/'], ['10.0.0.1/8/8'], ['1.2.3.4,'], ['10.0.0.1/-1']]) {
      expect(() => SourceFilter.parse(bad), bad.join(' ')).to.throw(SettingError, /^from: /);
    }
  });
});
