import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFramewire, startProcess, type CliResult } from './cli.js';

/** A peer process (ffmpeg, gst-launch, python, framewire) with its output collected. */
export interface Peer {
  child: ChildProcess;
  result: Promise<CliResult>;
  /** Whatever the peer wrote to stdout and stderr so far, for failure messages. */
  output(): string;
}

const running = new Set<ChildProcess>();

function track(child: ChildProcess, result: Promise<CliResult>): Peer {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d; });
  child.stderr?.on('data', (d: Buffer) => { out += d; });
  running.add(child);
  void result.finally(() => running.delete(child)).catch(() => undefined);
  return { child, result, output: () => out };
}

/** Starts an external program with stdout and stderr collected. */
export function startPeer(command: string, args: string[]): Peer {
  const { child, result } = startProcess(command, args);
  return track(child, result);
}

/** Starts `framewire ARGS` from the TypeScript sources. */
export function startFramewirePeer(args: string[], env?: NodeJS.ProcessEnv): Peer {
  const { child, result } = startFramewire(args, env);
  return track(child, result);
}

/**
 * Kills every peer a test left running (one that failed before its peers ended), so a failure does not leave
 * processes holding ports for the next test. Call from afterEach.
 */
export async function killLeftoverPeers(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map((child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
    else child.once('close', resolve);
  })));
}

/** Resolves with the first match of `pattern` in the peer's stderr; rejects if the peer exits or time runs out. */
export function waitForStderr(peer: Peer, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => finish(new Error(`no ${pattern} on stderr within ${timeoutMs} ms:\n${peer.output()}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d;
      const m = seen.match(pattern);
      if (m) finish(m);
    };
    const onClose = (code: number | null): void => finish(new Error(`exited (${code}) before ${pattern}:\n${peer.output()}`));
    function finish(outcome: RegExpMatchArray | Error): void {
      clearTimeout(timer);
      peer.child.stderr!.off('data', onData);
      peer.child.off('close', onClose);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    }
    peer.child.stderr!.on('data', onData);
    peer.child.once('close', onClose);
  });
}

/** Starts `framewire receive ARGS --listen 127.0.0.1:0` and resolves, with the port it bound, once it is listening. */
export async function startFramewireReceiver(args: string[]): Promise<{ peer: Peer; port: number }> {
  const peer = startFramewirePeer(['receive', '--listen', '127.0.0.1:0', ...args]);
  const m = await waitForStderr(peer, /framewire receive: 127\.0\.0\.1:(\d+) /);
  return { peer, port: Number(m[1]) };
}

async function udpPortsBound(): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local) ports.add(parseInt(local.split(':')[1]!, 16));
    }
  }
  return ports;
}

/**
 * Waits until some process has bound UDP `port`: the readiness signal of a peer (ffmpeg, GStreamer) that prints
 * nothing when it starts listening. Rejects if the peer exits first or time runs out.
 */
export async function waitForUdpPort(peer: Peer, port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await udpPortsBound()).has(port)) {
    if (peer.child.exitCode !== null) throw new Error(`peer exited (${peer.child.exitCode}) before binding ${port}:\n${peer.output()}`);
    if (Date.now() > deadline) throw new Error(`nothing bound UDP port ${port} within ${timeoutMs} ms:\n${peer.output()}`);
    await sleep(20);
  }
}

/** Awaits a peer's exit, killing it if it has not ended within `timeoutMs` (its result then shows the signal). */
export async function finished(peer: Peer, timeoutMs: number): Promise<CliResult> {
  const timer = setTimeout(() => peer.child.kill('SIGKILL'), timeoutMs);
  try {
    return await peer.result;
  } finally {
    clearTimeout(timer);
  }
}

/** Ends a peer the way Ctrl-C would and awaits its exit. */
export async function interrupt(peer: Peer, timeoutMs = 10_000): Promise<CliResult> {
  if (peer.child.exitCode === null && peer.child.signalCode === null) peer.child.kill('SIGINT');
  return finished(peer, timeoutMs);
}
