import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `framewire ARGS` from the TypeScript sources (so coverage sees src/), in the repo root.
 * The caller awaits `result` for the exit code and output.
 */
export function startFramewire(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; result: Promise<CliResult> } {
  return startProcess(process.execPath, framewireCommand(args), env);
}

/** The arguments for process.execPath that run `framewire ARGS` from the sources (for a wrapper such as taskset). */
export function framewireCommand(args: string[]): string[] {
  return ['--import', 'tsx', ENTRY, ...args];
}

/** Starts any program in the repo root with stdout and stderr collected. */
export function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d; });
  child.stderr!.on('data', (d: Buffer) => { stderr += d; });
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result };
}

export function framewire(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startFramewire(args, env).result;
}

export { ROOT };
