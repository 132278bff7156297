/**
 * Child processes for the benchmark: each in its own process group, so an interrupt reaches the measured
 * program even when /usr/bin/time wraps it (time itself ignores SIGINT), and none outlives the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Installed on the first start, so importing this module (as the tests do) changes nothing. */
function killChildrenOnExit(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const child of live) if (child.pid) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  });
  process.on('SIGINT', () => process.exit(130));
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Each complete stdout line, for counting without holding the whole output. */
  onLine?: (line: string) => void;
  /** Kill the group and fail if the process is still running after this long. */
  timeoutMs: number;
}

/** Keep this much of the output for error messages. */
const TAIL_CHARS = 8192;

export class Child {
  readonly exited: Promise<number>;
  private tail = '';
  private waiters: Array<{ text: string; resolve: () => void }> = [];
  private partialLine = '';
  /** interrupt() gave up waiting and killed it: an expected end, not a timeout. */
  private stopping = false;

  private constructor(private readonly proc: ChildProcess, private readonly name: string, opts: StartOptions) {
    live.add(proc);
    const timer = setTimeout(() => this.signal('SIGKILL'), opts.timeoutMs);
    proc.stderr!.on('data', (d: Buffer) => this.take(d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      this.take(text);
      if (!opts.onLine) return;
      const lines = (this.partialLine + text).split('\n');
      this.partialLine = lines.pop()!;
      for (const line of lines) opts.onLine(line);
    });
    this.exited = new Promise((resolve, reject) => {
      proc.on('error', reject);
      proc.on('close', (code, signal) => {
        clearTimeout(timer);
        live.delete(proc);
        if (signal === 'SIGKILL' && !this.stopping) reject(new Error(`${this.name}: killed after ${opts.timeoutMs} ms\n${this.tail}`));
        else resolve(code ?? 128);
      });
    });
    // Callers await exited when they need it; a failure before then must not count as unhandled.
    this.exited.catch(() => undefined);
  }

  static start(cmd: string, args: string[], opts: StartOptions): Child {
    killChildrenOnExit();
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: opts.env ?? process.env });
    return new Child(proc, [cmd, ...args].join(' ').slice(0, 200), opts);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  output(): string {
    return this.tail;
  }

  /** Resolves once `text` has appeared on stdout or stderr; rejects if the process ends first. */
  waitFor(text: string): Promise<void> {
    if (this.tail.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ text, resolve });
      this.exited.then(
        () => reject(new Error(`${this.name}: ended before printing '${text}'\n${this.tail}`)),
        reject,
      );
    });
  }

  /** Resolves with the exit code; a non-zero one is an error. */
  async succeeded(): Promise<void> {
    const code = await this.exited;
    if (code !== 0) throw new Error(`${this.name}: exited ${code}\n${this.tail}`);
  }

  /**
   * SIGINT, and SIGKILL if it has not ended within graceMs: for peers whose clean shutdown can hang (gst-launch -e
   * with a live RTCP source waits for an EOS that never comes). Resolves with how it ended.
   */
  async interrupt(graceMs: number): Promise<'exited' | 'killed'> {
    this.signal('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exited.then(() => true, () => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), graceMs); }),
    ]);
    clearTimeout(timer);
    if (graceful) return 'exited';
    this.stopping = true;
    this.signal('SIGKILL');
    await this.exited.catch(() => undefined);
    return 'killed';
  }

  signal(sig: NodeJS.Signals = 'SIGINT'): void {
    try { process.kill(-this.proc.pid!, sig); } catch { /* already gone */ }
  }

  private take(text: string): void {
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
    this.waiters = this.waiters.filter((w) => {
      if (!this.tail.includes(w.text)) return true;
      w.resolve();
      return false;
    });
  }
}

/** What /usr/bin/time measured about one process. */
export interface TimeUsage {
  cpuSec: number;
  peakRssMb: number;
  wallSec: number;
}

export const TIME_BIN = '/usr/bin/time';
const TIME_FORMAT = '%U %S %M %e';

/** Arguments that run `cmd` under GNU time, writing its usage to `file`. */
export function timedArgs(file: string, cmd: string, args: string[]): string[] {
  return ['-o', file, '-f', TIME_FORMAT, cmd, ...args];
}

/** Parses the file timedArgs wrote; time puts a "Command exited with non-zero status" line first on failure. */
export function parseTimeUsage(text: string): TimeUsage {
  const last = text.trim().split('\n').pop() ?? '';
  const [user, system, maxRssKb, wall] = last.split(' ').map(Number);
  if ([user, system, maxRssKb, wall].some((n) => n === undefined || !Number.isFinite(n))) {
    throw new Error(`cannot read /usr/bin/time output: '${text.trim()}'`);
  }
  return { cpuSec: user! + system!, peakRssMb: maxRssKb! / 1024, wallSec: wall! };
}

export async function readTimeUsage(file: string): Promise<TimeUsage> {
  return parseTimeUsage(await readFile(file, 'utf8'));
}
