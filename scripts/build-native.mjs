#!/usr/bin/env node
// Builds framewire's sendmmsg addon (native/) with node-gyp, offline, against the local Node headers. The C files it
// compiles are the `sources` of native/binding.gyp (one file per concern; see native/addon.h).
//
// It never fails the install: without a C compiler (or off Linux, where there is no sendmmsg) framewire uses
// node:dgram, which works everywhere and is only slower. Pass --strict to exit 1 when the addon cannot be built.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const binary = join(nativeDir, 'build', 'Release', 'framewire_native.node');
const require = createRequire(join(root, 'package.json'));

function say(text) {
  process.stderr.write(`build-native: ${text}\n`);
}

function giveUp(reason) {
  say(`the native sendmmsg path is not available (${reason}); framewire sends and receives with node:dgram instead`);
  process.exit(strict ? 1 : 0);
}

/** npm hands lifecycle scripts its bundled node-gyp; outside npm, a local one or the one next to npm. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch { /* not a dependency of anything installed */ }
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp',
    'bin', 'node-gyp.js'));
  return candidates.find((c) => c && existsSync(c));
}

if (process.platform !== 'linux') giveUp(`sendmmsg is Linux-only, this is ${process.platform}`);
const nodeGyp = findNodeGyp();
if (!nodeGyp) giveUp('node-gyp not found');

// Headers from the local Node install: without a nodedir node-gyp would try to download them.
const nodedir = process.env.npm_config_nodedir || resolve(dirname(process.execPath), '..');
const gypArgs = [nodeGyp, 'rebuild'];
if (existsSync(join(nodedir, 'include', 'node', 'common.gypi'))) gypArgs.push(`--nodedir=${nodedir}`);

const build = spawnSync(process.execPath, gypArgs, {
  cwd: nativeDir,
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
});
if (build.status !== 0) {
  process.stderr.write((build.stderr ?? '').split('\n').slice(-20).join('\n'));
  giveUp(`node-gyp failed (exit ${build.status})`);
}
/** A warning in our C is usually a bug in waiting (a wrong type through N-API, a missed return): show it. */
const warnings = (build.stderr ?? '').split('\n').filter((line) => /\bwarning:/.test(line));
for (const line of warnings) say(line);
/** Loading in a child keeps a broken binary from taking this script down. */
const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(binary)})`], { encoding: 'utf8' });
if (probe.status !== 0) giveUp(`the built ${binary} does not load: ${probe.stderr.trim()}`);
say(`built ${binary}`);
