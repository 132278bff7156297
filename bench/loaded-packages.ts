/** Which npm packages a command loads, read from a module trace of one run of it (see module-trace/hook.mjs). */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REGISTER = fileURLToPath(new URL('./module-trace/register.mjs', import.meta.url));

/** Package names (`sharp`, `@kmamal/sdl`) among resolved module URLs, each once, sorted. */
export function packagesIn(urls: readonly string[]): string[] {
  const names = new Set<string>();
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

/**
 * Runs `node NODE_ARGS ENTRY ARGS` with the module trace and resolves to the packages it loaded (and its exit code).
 * `nodeArgs` puts tsx in front for the TypeScript sources.
 */
export async function loadedPackages(
  entry: string,
  args: readonly string[],
  nodeArgs: readonly string[] = [],
): Promise<{ code: number | null; packages: string[]; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-module-trace-'));
  const trace = join(dir, 'modules.txt');
  try {
    const child = spawn(process.execPath, [...nodeArgs, '--import', REGISTER, entry, ...args], {
      env: { ...process.env, FRAMEWIRE_MODULE_TRACE: trace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d; });
    child.stderr.on('data', (d: Buffer) => { output += d; });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const urls = (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return { code, packages: packagesIn(urls), output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
