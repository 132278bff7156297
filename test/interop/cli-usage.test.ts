import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { framewire } from '../support/cli.js';

/** Each bad input must stop the CLI with exit 2 and a one-line message naming what was wrong, before any traffic. */
describe('cli usage errors', function () {
  this.timeout(20_000);

  const cases: Array<{ what: string; args: string[]; names: RegExp[] }> = [
    { what: 'a 0x0 size', args: ['send', '--size', '0x0'], names: [/--size/, /0x0/] },
    { what: 'a negative fps', args: ['send', '--fps=-3'], names: [/--fps/, /-3/] },
    { what: 'an unknown pacing mode', args: ['send', '--pacing', 'smooth'], names: [/--pacing/, /smooth/, /linear, gapped, burst/] },
    {
      what: 'paced sending with no frame period to pace over',
      args: ['send', '--pacing', 'linear', '--fps', 'max'],
      names: [/--pacing/, /linear/, /--fps max/],
    },
    { what: 'a port above 65535', args: ['send', '--to', '127.0.0.1:99999'], names: [/--to/, /99999/] },
    { what: 'an unknown source kind', args: ['send', '--source', 'bogus:x'], names: [/--source/, /bogus/] },
    {
      what: 'an MTU too small for one pixel group with its headers',
      args: ['send', '--mtu', '50'],
      names: [/--mtu/, /50/],
    },
    {
      what: 'a PNG path that does not exist',
      args: ['send', '--source', 'png:/nonexistent/framewire/picture.png'],
      names: [/--source/, /\/nonexistent\/framewire\/picture\.png/],
    },
    { what: 'an unknown flag', args: ['send', '--bogus'], names: [/--bogus/] },
    { what: 'a listen port above 65535', args: ['receive', '--listen', '127.0.0.1:99999'], names: [/--listen/, /99999/] },
    { what: 'an unknown sink kind', args: ['receive', '--sink', 'bogus:x'], names: [/--sink/, /bogus/] },
    { what: 'a negative latency budget', args: ['receive', '--latency=-5'], names: [/--latency/, /-5/] },
    { what: 'a latency budget beyond ten seconds', args: ['receive', '--latency', '20000'], names: [/--latency/, /20000/] },
    { what: 'an unknown wire', args: ['send', '--wire', 'srt'], names: [/--wire/, /srt/, /rtp, raw/] },
    { what: 'a raw frame too big for a datagram', args: ['send', '--wire', 'raw', '--size', '320x240'], names: [/--wire/, /230400/] },
  ];

  for (const { what, args, names } of cases) {
    it(`exits 2 on ${what}: framewire ${args.join(' ')}`, async () => {
      const result = await framewire([...args, '--frames', '1']);

      expect(result.code, result.stderr).to.equal(2);
      for (const name of names) expect(result.stderr).to.match(name);
      expect(result.stderr, 'a usage message, not a stack trace').to.not.match(/\n\s+at /);
      expect(result.stdout).to.equal('');
    });
  }
});

describe('cli version', () => {
  it('prints the package version and exits 0', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const r = await framewire(['--version']);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal(version);
  });
});
