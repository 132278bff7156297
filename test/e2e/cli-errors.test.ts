import { expect } from 'chai';
import { readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createSource } from '../../src/sources/spec.js';
import { Sender } from '../../src/transport/sender.js';
import { framewire } from '../support/cli.js';
import { finished, killLeftoverPeers, startFramewirePeer, startFramewireReceiver } from '../support/peers.js';
import { freeUdpPort } from '../support/ports.js';
import { scratchDir } from '../support/scratch.js';
import { until } from '../support/until.js';

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

  /** A regular file: no directory can be made at its path, or under it (even for root). */
  async function aFile(): Promise<string> {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    return file;
  }

  it('checks every output path before starting: exit 2 naming the flag, nothing started', async () => {
    const file = await aFile();
    const port = String(await freeUdpPort());
    const scenario = path.join(dir, 'scenario.json');
    await writeFile(scenario, JSON.stringify({ name: 'never runs', frames: 5 }));
    const cases: Array<[string[], RegExp]> = [
      [['receive', '--listen', '127.0.0.1:0', '--report', `${file}/r.json`], /^framewire: --report: cannot write .*a-file\/r\.json: .*a-file \(it is a file\)$/m],
      [['receive', '--listen', '127.0.0.1:0', '--report', dir], /^framewire: --report: .* is a directory, not a file$/m],
      [['receive', '--listen', '127.0.0.1:0', '--sink', `png:${file}/png`], /^framewire: --sink: png:.*a-file\/png: cannot create the directory/m],
      [['send', '--to', `127.0.0.1:${port}`, '--report', `${file}/s.json`], /^framewire: --report: cannot write .*a-file\/s\.json/m],
      [['send', '--to', `127.0.0.1:${port}`, '--sdp', `${file}/s.sdp`], /^framewire: --sdp: cannot write .*a-file\/s\.sdp/m],
      [['run', scenario, '--out', file], /^framewire: --out: cannot create the directory .*a-file \(it is a file\)$/m],
      [['run', scenario, '--junit', `${file}/junit.xml`], /^framewire: --junit: cannot write .*a-file\/junit\.xml/m],
    ];
    for (const [args, message] of cases) {
      const r = await framewire(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(message);
      // Nothing started: no start line, no run header, no summary.
      expect(r.stderr, args.join(' ')).to.not.match(/framewire (send|receive): [^\n]*(->|complete)/);
      expect(r.stdout, args.join(' ')).to.equal('');
    }
  });

  it('receive: when the report cannot be written at the end, prints the summary anyway and names the path', async () => {
    const out = path.join(dir, 'out');
    const report = path.join(out, 'r.json');
    const { peer, port } = await startFramewireReceiver(['--frames', '3', '--timeout', '10', '--report', report]);
    // The directory was fine at the start; something replaces it with a file while frames are awaited.
    await rm(out, { recursive: true });
    await writeFile(out, 'in the way');
    await framewire(['send', '--frames', '3', '--fps', 'max', '--to', `127.0.0.1:${port}`]);
    const r = await finished(peer, 15_000);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(/framewire receive: 3 complete, 0 incomplete/);
    expect(r.stderr).to.match(new RegExp(`framewire receive: cannot write ${report.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(`));
  });

  it('run: when the reports cannot be written at the end, prints the summary and verdict anyway and names each path', async () => {
    const scenario = path.join(dir, 'scenario.json');
    await writeFile(scenario, JSON.stringify({ name: 'late failure', size: '160x120', fps: 60, frames: 30 }));
    const out = path.join(dir, 'out');
    const run = startFramewirePeer(['run', scenario, '--out', out]);
    // Held still once it has started (its header is out), while its --out directory is replaced by a file.
    await until(() => /^seed \d+/m.test(run.output()), () => `the run's header: ${run.output()}`, 15_000);
    run.child.kill('SIGSTOP');
    await rm(out, { recursive: true });
    await writeFile(out, 'in the way');
    run.child.kill('SIGCONT');
    const r = await finished(run, 30_000);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.match(/frames sent +30/);
    expect(r.stdout).to.match(/^PASS$/m);
    for (const name of ['report.json', 'junit.xml', 'report.html']) {
      expect(r.stderr).to.include(`framewire run: cannot write ${path.join(out, name)} (`);
    }
  });

  it('writes a report whole or not at all: through a temporary file renamed over the path', async () => {
    // A rename replaces a symbolic link at the report's path; a write in place would go through it to its target.
    const target = path.join(dir, 'target.json');
    await writeFile(target, 'untouched');
    const report = path.join(dir, 'r.json');
    await symlink(target, report);
    const r = await framewire(['receive', '--listen', '127.0.0.1:0', '--timeout', '0.2', '--report', report]);
    expect(r.code, r.stderr).to.equal(0);
    expect(await readFile(target, 'utf8')).to.equal('untouched');
    expect(JSON.parse(await readFile(report, 'utf8'))).to.include({ endReason: 'timeout' });
  });

  it('--sink sdl without a display prints framewire\'s one line, not SDL\'s noise first', async () => {
    const noDisplay = { DISPLAY: undefined, WAYLAND_DISPLAY: undefined, SDL_VIDEODRIVER: undefined };
    const unset = await framewire(['receive', '--listen', '127.0.0.1:0', '--timeout', '1', '--sink', 'sdl'], noDisplay);
    expect(unset.code).to.equal(1);
    expect(unset.stderr).to.match(/^framewire: sdl: cannot open a window \(DISPLAY is not set\); set DISPLAY to a running X server, or run under xvfb-run -a\n$/);
    // A display number no X server here listens on.
    let n = 900;
    while (await stat(`/tmp/.X11-unix/X${n}`).then(() => true, () => false)) n++;
    const nobody = await framewire(['receive', '--listen', '127.0.0.1:0', '--timeout', '1', '--sink', 'sdl'], { ...noDisplay, DISPLAY: `:${n}` });
    expect(nobody.code).to.equal(1);
    expect(nobody.stderr).to.match(new RegExp(`^framewire: sdl: cannot open a window \\(no X server at DISPLAY=:${n}: [^\\n]*\\n$`));
  });

  it('png: refuses a JPEG named .png, naming the file', async () => {
    const file = path.join(dir, 'photo.png');
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toFile(file);
    const r = await framewire(['send', '--source', `png:${file}`, '--frames', '1', '--to', `127.0.0.1:${await freeUdpPort()}`]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.include(`framewire: --source: png:${file}: cannot read as PNG (it is a JPEG)`);
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

  it('hints at --size and --format when most packets are malformed for the frame size the receiver expects', async () => {
    const { peer, port } = await startFramewireReceiver(['--timeout', '2']);
    // Sent from here, so the frames arrive well within the receiver's first idle seconds: a 320x240 stream.
    const source = await createSource('pattern:smpte', { width: 320, height: 240, format: 'rgb24' });
    const sender = await Sender.open(source, { to: { host: '127.0.0.1', port }, wire: 'rtp', mtu: 1400, fps: 'max', frames: 3 });
    await sender.run();
    const r = await finished(peer, 15_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/framewire receive: 0 complete, /);
    expect(r.stderr).to.match(/^framewire receive: hint: \d+ of \d+ packets were malformed for 160x120 rgb24; check that --size and --format \(or --sdp\) match the sender's$/m);
  });

  it('hints at --size and --format when every frame ends short with no packet lost: a sender of smaller frames', async () => {
    const { peer, port } = await startFramewireReceiver(['--size', '320x240', '--timeout', '2']);
    // A 160x120 stream: every packet fits a 320x240 frame (none malformed), and each frame ends at its marker short.
    const source = await createSource('pattern:smpte', { width: 160, height: 120, format: 'rgb24' });
    const sender = await Sender.open(source, { to: { host: '127.0.0.1', port }, wire: 'rtp', mtu: 1400, fps: 'max', frames: 3 });
    await sender.run();
    const r = await finished(peer, 15_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/framewire receive: 0 complete, 3 incomplete, 0 corrupt; packets \d+ received, 0 lost, 0 duplicate, 0 malformed;/);
    expect(r.stderr).to.match(/^framewire receive: hint: 3 frames ended short of 320x240 rgb24 with no packet lost: the sender's frames look smaller than 320x240; check that --size and --format \(or --sdp\) match the sender's$/m);
  });

  it('receive --wire raw refuses a frame size no raw sender can send, as send does', async () => {
    const r = await framewire(['receive', '--wire', 'raw', '--size', '1920x1080', '--listen', '127.0.0.1:0', '--timeout', '1']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^framewire: --wire: raw carries a frame as one datagram, and a 1920x1080 rgb24 frame is 6220800 bytes/m);
    expect(r.stderr).to.not.include('framewire receive:');
  });
});
