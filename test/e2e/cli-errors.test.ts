import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { framewire } from '../support/cli.js';
import { killLeftoverPeers } from '../support/peers.js';
import { freeUdpPort } from '../support/ports.js';
import { scratchDir } from '../support/scratch.js';

/** Errors found before any work starts (exit 2, naming the flag), and failures at the end that keep the numbers. */
describe('e2e: early errors, and what a late failure keeps', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await scratchDir('cli-errors')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  describe('receive --sdp: the SDP says where to listen', () => {
    async function sdpFor(host: string, port: number): Promise<string> {
      const sdp = path.join(dir, 'stream.sdp');
      const version = host.includes(':') ? 'IP6' : 'IP4';
      await writeFile(sdp, [
        'v=0', `o=- 0 0 IN ${version} ${host}`, 's=framewire', `c=IN ${version} ${host}`, 't=0 0',
        `m=video ${port} RTP/AVP 96`, 'a=rtpmap:96 raw/90000',
        'a=fmtp:96 sampling=RGB; width=160; height=120; depth=8; colorimetry=BT601-5', '',
      ].join('\r\n'));
      return sdp;
    }

    it('with --listen is a usage error, as --size and --format are', async () => {
      const r = await framewire(['receive', '--sdp', await sdpFor('127.0.0.1', await freeUdpPort()), '--listen', '127.0.0.1:0']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/^framewire: --listen: conflicts with --sdp, which sets it$/m);
    });

    // Only loopback is ever bound in tests: an SDP that names an address of no interface here (the documentation
    // ranges, RFC 5737 and RFC 3849) shows the receiver tries that address, and says so, instead of 127.0.0.1.
    for (const host of ['192.0.2.1', '2001:db8::1']) {
      it(`binds the SDP's connection address (${host}), and names --sdp when it cannot`, async () => {
        const port = await freeUdpPort();
        const r = await framewire(['receive', '--sdp', await sdpFor(host, port), '--timeout', '0.5']);
        expect(r.code, r.stderr).to.equal(2);
        const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        expect(r.stderr).to.include(`framewire: --sdp: cannot listen on ${where} (its connection address and port): not an address of this machine`);
      });
    }
  });

});
