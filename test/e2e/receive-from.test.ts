import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FrameGeometry } from '../../src/frame.js';
import { framewire } from '../support/cli.js';
import { hijackerPackets, sendFrom } from '../support/hijacker.js';
import { finished, killLeftoverPeers, startFramewirePeer, waitForStderr } from '../support/peers.js';
import { scratchDir } from '../support/scratch.js';
import { STARTUP_MS } from '../support/startup.js';

const g: FrameGeometry = { width: 160, height: 120, format: 'rgb24' };

describe('e2e: receive --from', function () {
  this.timeout(240_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await scratchDir('receive-from')));
  afterEach(async () => {
    await killLeftoverPeers();
    await cleanup();
  });

  for (const native of ['1', '0']) {
    it(`takes frames only from --from hosts and counts the rest as foreign (FRAMEWIRE_NATIVE=${native})`, async () => {
      const reportFile = path.join(dir, 'report.json');
      const peer = startFramewirePeer(
        ['receive', '--listen', '127.0.0.1:0', '--from', '127.0.0.1/32', '--frames', '10', '--timeout', '60', '--report', reportFile],
        { FRAMEWIRE_NATIVE: native },
      );
      const port = Number((await waitForStderr(peer, /framewire receive: 127\.0\.0\.1:(\d+) .* from 127\.0\.0\.1\/32/, STARTUP_MS))[1]);
      // The hijacker's address is another loopback address, outside the one --from allows; it sends first, so without
      // the filter the receiver would follow its SSRC and turn the real sender away.
      const hostile = hijackerPackets(g, 3);
      await sendFrom('127.0.0.2', 'udp4', '127.0.0.1', port, hostile);
      const sent = await framewire(['send', '--frames', '10', '--fps', '100', '--to', `127.0.0.1:${port}`]);
      expect(sent.code, sent.stderr).to.equal(0);
      const received = await finished(peer, 120_000);
      expect(received.code, received.stderr).to.equal(0);
      const report = JSON.parse(await readFile(reportFile, 'utf8'));
      expect(report).to.include({ framesComplete: 10, framesCorrupt: 0, packetsForeignSource: hostile.length, packetsForeignSsrc: 0, ssrcChanges: 0 });
      expect(received.stderr).to.include(`${hostile.length} foreign (not --from)`);
      expect(received.stderr).not.to.include('warning');
    });
  }

  it('takes IPv6 prefixes, and on a dual-stack socket turns away an IPv4 sender an IPv6-only --from leaves out', async () => {
    const reportFile = path.join(dir, 'report.json');
    const peer = startFramewirePeer(['receive', '--listen', '[::]:0', '--from', '::1/128', '--frames', '5', '--timeout', '60', '--report', reportFile]);
    const port = Number((await waitForStderr(peer, /framewire receive: \[::\]:(\d+) /, STARTUP_MS))[1]);
    const hostile = hijackerPackets(g, 2);
    await sendFrom('127.0.0.1', 'udp4', '127.0.0.1', port, hostile);
    const sent = await framewire(['send', '--frames', '5', '--fps', '100', '--to', `[::1]:${port}`]);
    expect(sent.code, sent.stderr).to.equal(0);
    const received = await finished(peer, 120_000);
    expect(received.code, received.stderr).to.equal(0);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report).to.include({ framesComplete: 5, packetsForeignSource: hostile.length, ssrcChanges: 0 });
    expect(received.stderr).not.to.include('warning');
  });

  it('warns once, on one line, when it listens beyond loopback with no --from', async () => {
    const open = await framewire(['receive', '--listen', '0.0.0.0:0', '--timeout', '0.3']);
    const warnings = open.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^framewire receive: warning: listening on 0\.0\.0\.0: anyone who can reach this port can inject frames \(limit senders with --from\)$/);
    const limited = await framewire(['receive', '--listen', '0.0.0.0:0', '--from', '10.0.0.0/8', '--timeout', '0.3']);
    expect(limited.stderr).not.to.include('warning');
    const loopback = await framewire(['receive', '--listen', '127.0.0.1:0', '--timeout', '0.3']);
    expect(loopback.stderr).not.to.include('warning');
  });

  it('a --from that is not HOST[/PREFIX] is a usage error naming --from, before anything listens', async () => {
    for (const bad of ['10.0.0.1/33', '::1/200']) {
      const r = await framewire(['receive', '--from', bad]);
      expect(r.code, `${bad}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.match(/--from: '.*' is not (HOST or HOST\/PREFIX|a list of HOST)/);
      expect(r.stderr).not.to.include('framewire receive: 127');
    }
  });
});
