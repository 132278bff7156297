import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

/**
 * A private X server for the display tests. Started here rather than by wrapping mocha in xvfb-run so that a
 * plain `npm test` runs them too, each run gets a free display number (-displayfd) and access control is off
 * (-ac), which the WM_DELETE_WINDOW helper needs to connect without a cookie.
 */
export class Xvfb {
  private constructor(
    private readonly child: ChildProcess,
    readonly display: string,
  ) {}

  static async start(): Promise<Xvfb> {
    const child = spawn('Xvfb', ['-displayfd', '3', '-ac', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d; });
    const display = await new Promise<string>((resolve, reject) => {
      let text = '';
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
        text += d;
        if (text.includes('\n')) resolve(`:${text.trim()}`);
      });
      child.once('error', (err) => reject(new Error(`cannot start Xvfb (install xvfb): ${err.message}`)));
      child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr}`)));
    });
    return new Xvfb(child, display);
  }

  get env(): NodeJS.ProcessEnv {
    return { DISPLAY: this.display };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }

  private x(command: string, args: string[]): Promise<{ stdout: Buffer }> {
    return run(command, args, { env: { ...process.env, DISPLAY: this.display }, encoding: 'buffer', maxBuffer: 64 << 20 });
  }

  /** Ids of mapped windows whose title matches `pattern`. */
  async findWindows(pattern: string): Promise<number[]> {
    try {
      const { stdout } = await this.x('xdotool', ['search', '--onlyvisible', '--name', pattern]);
      return stdout.toString().trim().split('\n').filter(Boolean).map(Number);
    } catch {
      return []; // xdotool exits 1 when nothing matches
    }
  }

  /** Waits until exactly one window's title matches. */
  async waitForWindow(pattern: string, timeoutMs = 15_000): Promise<number> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
      const ids = await this.findWindows(pattern);
      if (ids.length === 1) return ids[0]!;
    }
    throw new Error(`no window titled /${pattern}/ within ${timeoutMs} ms`);
  }

  async title(windowId: number): Promise<string> {
    return (await this.x('xdotool', ['getwindowname', String(windowId)])).stdout.toString().trim();
  }

  /** Polls the window title until it matches. */
  async waitForTitle(windowId: number, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    let title = '';
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
      title = await this.title(windowId);
      if (pattern.test(title)) return title;
    }
    throw new Error(`window title '${title}' did not match ${pattern} within ${timeoutMs} ms`);
  }

  /** The window's pixels as rgb24, through ImageMagick's import (what a user's screenshot tool sees). */
  async screenshot(windowId: number): Promise<{ width: number; height: number; data: Buffer }> {
    const { stdout } = await this.x('import', ['-window', String(windowId), 'png:-']);
    const { data, info } = await sharp(stdout).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data };
  }

  /** Focuses the window, then types keys through XTEST, as a person at the keyboard would. */
  async key(windowId: number, ...keys: string[]): Promise<void> {
    await this.x('xdotool', ['windowfocus', '--sync', String(windowId), 'key', ...keys]);
  }
}
