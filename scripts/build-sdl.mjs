#!/usr/bin/env node
// Builds @kmamal/sdl's native addon from source against the system libSDL2, offline.
//
// @kmamal/sdl's own install script downloads a prebuilt binary from GitHub, which our machines cannot reach, so
// package.json denies it (allowScripts) and runs this as framewire's postinstall instead. It never fails the
// install: without libsdl2-dev the display sink is simply unavailable and says so when asked for. Pass --strict
// to exit 1 when the addon cannot be built (for running it by hand or in CI).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const HINT = 'install libsdl2-dev (sudo apt-get install libsdl2-dev), then run: node scripts/build-sdl.mjs --strict';

function say(text) {
  process.stderr.write(`build-sdl: ${text}\n`);
}

function giveUp(reason) {
  say(`the SDL display sink is not available: ${reason}`);
  say(HINT);
  process.exit(strict ? 1 : 0);
}

/** Loading in a child keeps a broken binary (wrong ABI, missing libSDL2.so) from taking this script down. */
function loads(binary) {
  if (!existsSync(binary)) return false;
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(binary)})`], { encoding: 'utf8' });
  return probe.status === 0;
}

function pkgConfig(flag) {
  return execFileSync('pkg-config', [flag, 'sdl2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The first directory of a pkg-config flag list like "-I/usr/include/SDL2 -D_REENTRANT". */
function firstDir(flags, prefix) {
  const found = flags.split(/\s+/).find((f) => f.startsWith(prefix));
  return found ? found.slice(prefix.length) : undefined;
}

let pkgDir;
try {
  // Its exports map hides package.json; its main is src/javascript/index.js.
  pkgDir = resolve(dirname(require.resolve('@kmamal/sdl')), '..', '..');
} catch {
  giveUp('@kmamal/sdl is not installed (run npm install)');
}
// @kmamal/sdl's bindings.js requires exactly this file.
const binary = join(pkgDir, 'dist', 'sdl.node');
if (loads(binary)) {
  say(`${binary} loads; nothing to build`);
  process.exit(0);
}

let includeDir;
let libDir;
try {
  includeDir = firstDir(pkgConfig('--cflags-only-I'), '-I');
  libDir = firstDir(pkgConfig('--libs-only-L'), '-L');
} catch {
  giveUp('pkg-config finds no sdl2 (libsdl2-dev is not installed)');
}
if (!includeDir || !existsSync(join(includeDir, 'SDL.h'))) giveUp('SDL.h not found (libsdl2-dev is not installed)');
// Debian's sdl2.pc omits -L for the multiarch default; the linker finds libSDL2.so there anyway.
libDir ??= '/usr/lib';

let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [pkgDir] });
} catch {
  giveUp('node-gyp is not installed (it comes with @kmamal/sdl; run npm install)');
}

// Headers from the local Node install: without a nodedir node-gyp would try to download them.
const nodedir = process.env.npm_config_nodedir || resolve(dirname(process.execPath), '..');
const gypArgs = [nodeGyp, 'rebuild', '-j', 'max'];
if (existsSync(join(nodedir, 'include', 'node', 'common.gypi'))) gypArgs.push(`--nodedir=${nodedir}`);

say(`building ${binary} against ${includeDir} (this takes a minute)`);
const build = spawnSync(process.execPath, gypArgs, {
  cwd: pkgDir,
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
  env: { ...process.env, SDL_INC: includeDir, SDL_LIB: libDir },
});
if (build.status !== 0) {
  process.stderr.write(build.stderr.split('\n').slice(-30).join('\n'));
  giveUp(`node-gyp failed (exit ${build.status})`);
}
mkdirSync(dirname(binary), { recursive: true });
copyFileSync(join(pkgDir, 'build', 'Release', 'sdl.node'), binary);
if (!loads(binary)) giveUp(`the built ${binary} does not load`);
say(`built ${binary}`);
