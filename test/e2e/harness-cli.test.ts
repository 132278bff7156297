import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { framewire } from '../support/cli.js';

async function scenarioFile(dir: string, name: string, json: unknown): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(json));
  return path;
}

describe('e2e: framewire run', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fw-run-'));
  });

  it('runs the built-in default scenario with no argument and passes (exit 0)', async () => {
    const { code, stdout } = await framewire(['run']);
    expect(code, stdout).to.equal(0);
    expect(stdout).to.match(/^seed \d+ \(repeat with --seed \d+\)$/m);
    expect(stdout).to.match(/PASS {2}deliveredRatio >= 0\.6: measured /);
    expect(stdout).to.match(/^PASS$/m);
  });

  it('exits 0 and writes the JSON, JUnit and HTML reports', async () => {
    const file = await scenarioFile(dir, 'ok', {
      name: 'cli ok', size: '160x120', fps: 60, frames: 30, expect: { deliveredRatio: '== 1' },
    });
    const out = join(dir, 'out');
    const report = join(dir, 'custom.json');
    const { code, stdout } = await framewire(['run', file, '--seed', '9', '--out', out, '--report', report]);
    expect(code, stdout).to.equal(0);
    expect(stdout).to.include('seed 9');
    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json).to.include({ schemaVersion: 1, seed: 9, passed: true, deliveredRatio: 1 });
    expect(XMLValidator.validate(await readFile(join(out, 'junit.xml'), 'utf8'))).to.equal(true);
    expect(await readFile(join(out, 'report.html'), 'utf8')).to.match(/^<!DOCTYPE html>/);
  });

  it('exits 1 and names the failed expectation', async () => {
    const file = await scenarioFile(dir, 'fail', {
      name: 'cli fail', size: '160x120', fps: 60, frames: 20, expect: { framesSent: '== 5', framesCorrupt: '== 0' },
    });
    const junit = join(dir, 'fail.xml');
    const { code, stdout } = await framewire(['run', file, '--junit', junit]);
    expect(code, stdout).to.equal(1);
    expect(stdout).to.include('FAIL  framesSent == 5: measured 20');
    expect(stdout).to.include('PASS  framesCorrupt == 0: measured 0');
    expect(stdout).to.match(/^FAIL: framesSent$/m);
    expect(await readFile(junit, 'utf8')).to.include('<failure message="framesSent was 20, expected == 5"');
  });

  it('exits 2 for a bad scenario, naming the field, and for a bad flag', async () => {
    const file = await scenarioFile(dir, 'bad', { name: 'bad', network: { loss: '150%' } });
    const bad = await framewire(['run', file]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/network\.loss: '150%' is outside 0\.\.100%/);
    const flag = await framewire(['run', '--seed', '-3']);
    expect(flag.code).to.equal(2);
    const missing = await framewire(['run', join(dir, 'nope.json')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('nope.json: cannot read the scenario');
  });
});
