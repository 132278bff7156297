import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { until } from '../support/until.js';
import { framewire, startFramewire, type CliResult } from '../support/cli.js';
import { freeUdpPort } from '../support/ports.js';

interface Report {
  framesComplete: number;
  framesIncomplete: number;
  endReason: string;
}

/** Starts `framewire receive` and resolves once it is listening (wrapped: an async function would flatten `result`). */
async function startReceiver(args: string[]): Promise<{ result: Promise<CliResult> }> {
  const { child, result } = startFramewire(['receive', ...args]);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (d: Buffer) => {
      seen += d;
      if (seen.includes('framewire receive:')) resolve();
    });
    result.then((r) => reject(new Error(`receiver exited early: ${r.stderr}`)), reject);
  });
  return { result };
}

/** The pids of a process's ffmpeg children, from /proc. */
async function ffmpegChildren(parent: ChildProcess): Promise<number[]> {
  const pids: number[] = [];
  for (const task of await readdir(`/proc/${parent.pid}/task`)) {
    const text = await readFile(`/proc/${parent.pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const pid of text.split(/\s+/).filter(Boolean).map(Number)) {
      const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
      if (comm.trim() === 'ffmpeg') pids.push(pid);
    }
  }
  return pids;
}

describe('e2e: camera sources', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'framewire-camera-e2e-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends lavfi:testsrc2 with `send --frames 60` and `receive` gets 60 complete frames', async () => {
    const port = await freeUdpPort();
    const report = join(dir, 'lavfi.json');
    const { result: received } = await startReceiver([
      '--listen', `127.0.0.1:${port}`, '--size', '320x240', '--frames', '60', '--timeout', '10', '--report', report,
    ]);
    const sent = await framewire([
      'send', '--source', 'lavfi:testsrc2', '--size', '320x240', '--fps', '60', '--frames', '60', '--to', `127.0.0.1:${port}`,
    ]);
    expect(sent.code, sent.stderr).to.equal(0);
    expect(sent.stderr).to.include('lavfi:testsrc2 320x240 rgb24').and.include('framewire send: 60 frames');
    const r = await received;
    expect(r.code, r.stderr).to.equal(0);
    const json = JSON.parse(await readFile(report, 'utf8')) as Report;
    expect([json.framesComplete, json.framesIncomplete, json.endReason], r.stderr + sent.stderr).to.deep.equal([60, 0, 'frames']);
  });

  it('sends webcam:TEST (fswebcam colour bars) and `receive` gets every frame', async () => {
    const port = await freeUdpPort();
    const report = join(dir, 'webcam.json');
    const { result: received } = await startReceiver([
      '--listen', `127.0.0.1:${port}`, '--size', '320x240', '--format', 'uyvy', '--frames', '10', '--timeout', '10', '--report', report,
    ]);
    const sent = await framewire([
      'send', '--source', 'webcam:TEST', '--size', '320x240', '--format', 'uyvy', '--frames', '10', '--to', `127.0.0.1:${port}`,
    ]);
    expect(sent.code, sent.stderr).to.equal(0);
    expect((await received).code).to.equal(0);
    const json = JSON.parse(await readFile(report, 'utf8')) as Report;
    expect([json.framesComplete, json.framesIncomplete]).to.deep.equal([10, 0]);
  });

  it('a camera that goes away mid-run stops the sender with a message; the receiver still reports', async () => {
    const port = await freeUdpPort();
    const report = join(dir, 'unplugged.json');
    // The receiver writes each whole frame as a PNG: a file appearing is proof that frames flow end to end.
    const frames = join(dir, 'unplugged-frames');
    const { result: received } = await startReceiver([
      '--listen', `127.0.0.1:${port}`, '--timeout', '4', '--report', report, '--sink', `png:${frames}`,
    ]);
    const sender = startFramewire(['send', '--source', 'lavfi:testsrc2', '--fps', '30', '--to', `127.0.0.1:${port}`]);
    let ffmpeg: number[] = [];
    await until(() => ffmpeg.length > 0, () => 'the ffmpeg capture process', 15_000, async () => {
      ffmpeg = await ffmpegChildren(sender.child);
    });
    expect(ffmpeg, 'one ffmpeg capture process').to.have.length(1);
    let written = 0;
    await until(() => written > 0, () => 'a frame at the receiver', 15_000, async () => {
      written = (await readdir(frames).catch(() => [])).length;
    });
    // Now play the camera being unplugged: its capture process dies.
    process.kill(ffmpeg[0], 'SIGKILL');
    const s = await sender.result;
    expect(s.code).to.equal(1);
    expect(s.stderr).to.include('framewire: lavfi:testsrc2: ffmpeg was killed by SIGKILL');
    const r = await received;
    expect(r.code, r.stderr).to.equal(0);
    const json = JSON.parse(await readFile(report, 'utf8')) as Report;
    expect(json.framesComplete).to.be.greaterThan(0);
    expect(json.endReason).to.equal('timeout');
  });

  it('a missing camera ends `send` with a message naming the device and the fix', async () => {
    const sent = await framewire(['send', '--source', 'v4l2:/dev/video9', '--frames', '5', '--to', '127.0.0.1:9']);
    expect(sent.code).to.equal(1);
    expect(sent.stderr).to.include('framewire: v4l2: /dev/video9 not found — is a camera connected? `framewire devices` lists devices');
  });

  it('a machine without ffmpeg ends `send` with how to install it', async () => {
    const sent = await framewire(['send', '--source', 'lavfi:testsrc2', '--frames', '5', '--to', '127.0.0.1:9'], { PATH: '/nonexistent' });
    expect(sent.code).to.equal(1);
    expect(sent.stderr).to.include('framewire: lavfi:testsrc2: ffmpeg not found — apt-get install ffmpeg');
  });

  it('`framewire devices` says plainly that there are no cameras, and what works without one', async function () {
    if (existsSync('/dev') && readdirSync('/dev').some((n) => /^video\d+$/.test(n))) this.skip();
    const r = await framewire(['devices']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include('no video devices found (/dev/video*)').and.include('webcam:TEST').and.include('lavfi:testsrc2');
  });
});
