import { Command } from 'commander';
import { parseSize, validateGeometry, type FrameGeometry } from '../frame.js';
import { runDemo, type DemoSummary } from '../demo/demo.js';
import { defaultDemoSource } from '../demo/default-source.js';
import { DEMO_PRESETS, presetLabel, type DemoPreset } from '../demo/presets.js';
import { loadScenario } from '../harness/scenario.js';
import { MAX_SCALE } from '../sinks/sdl.js';
import type { Wire } from '../rtp/index.js';
import { withExitCode } from './command.js';
import { parseSeed, positiveInt, positiveNumber } from './options.js';
import { plural } from './plural.js';
import { onInterrupt } from './status-line.js';

export function demoCommand(): Command {
  const command = new Command('demo')
    .option('--source <spec>', 'what to show (default: the camera at /dev/video0 if there is one, else pattern:ball)')
    .option('--scenario <file>', "start from a scenario's source, size, rate and network (on key 0)")
    .option('--size <WxH>', 'frame size (default 320x240, or the scenario\'s)')
    .option('--fps <n>', 'frames per second (default 30, or the scenario\'s)', positiveNumber('--fps'))
    .option('--scale <n>', 'window pixels per frame pixel', positiveInt('--scale', MAX_SCALE), 2)
    .option('--seed <n>', 'network simulator seed (random by default)', parseSeed)
    .option('--snapshots <dir>', 'where the s key saves PNG snapshots', '.');
  return withExitCode(command, async (opts: DemoFlags) => runDemoCommand(opts));
}

interface DemoFlags {
  source?: string;
  scenario?: string;
  size?: string;
  fps?: number;
  scale: number;
  seed?: number;
  snapshots: string;
}

const KEYS_HELP = 'keys: 1-9 network presets, space pause, s snapshot, q quit';

async function runDemoCommand(opts: DemoFlags): Promise<number> {
  let presets: readonly DemoPreset[] = DEMO_PRESETS;
  let startPreset = 0;
  let source = opts.source ?? defaultDemoSource();
  let geometry: FrameGeometry = { width: 320, height: 240, format: 'rgb24' };
  let fps = 30;
  let mtu = 1500;
  let wire: Wire = 'rtp';
  if (opts.scenario) {
    const scenario = await loadScenario(opts.scenario);
    presets = [{ key: '0', name: `scenario ${scenario.name}`, network: scenario.network }, ...DEMO_PRESETS];
    source = opts.source ?? scenario.source;
    ({ geometry, fps, mtu, wire } = scenario);
  }
  if (opts.size) geometry = validateGeometry({ ...parseSize(opts.size, '--size'), format: geometry.format }, '--size');
  if (opts.fps !== undefined) fps = opts.fps;

  const log = (line: string): void => void process.stderr.write(`framewire demo: ${line}\n`);
  log(`${source} ${geometry.width}x${geometry.height} ${geometry.format} at ${fps} fps; ${KEYS_HELP}`);
  log(`network: ${presetLabel(presets[startPreset]!)}`);
  const interrupted = new AbortController();
  const removeInterrupt = onInterrupt(() => interrupted.abort());
  try {
    const summary = await runDemo({
      source, geometry, fps, mtu, wire, scale: opts.scale, presets, startPreset, snapshotDir: opts.snapshots,
      seed: opts.seed, log, signal: interrupted.signal,
    });
    process.stderr.write(describe(summary));
  } finally {
    removeInterrupt();
  }
  return 0;
}

function describe(s: DemoSummary): string {
  const r = s.receiver;
  const latency = r.latencyMs ? `, latency p50 ${r.latencyMs.p50.toFixed(1)} ms p99 ${r.latencyMs.p99.toFixed(1)} ms` : '';
  const lossPct = r.packetsReceived + r.packetsLost > 0 ? (100 * r.packetsLost) / (r.packetsReceived + r.packetsLost) : 0;
  return [
    `framewire demo: ${s.durationSec.toFixed(1)} s, seed ${s.seed}, networks ${s.presets.join(' -> ')}`,
    `  sent ${plural(s.sender.framesSent, 'frame')} (${plural(s.sender.sendErrors, 'packet')} refused)`,
    `  received ${r.framesComplete} complete, ${r.framesIncomplete} incomplete, ${r.framesCorrupt} corrupt; ` +
      `packets ${r.packetsLost} lost (${lossPct.toFixed(2)}%), ${r.packetsDuplicate} duplicate${latency}`,
    `  window showed ${plural(s.display.shown, 'frame')}, skipped ${s.display.dropped} it could not keep up with, ` +
      `held back ${s.display.frozen} while paused`,
    ...s.snapshots.map((f) => `  snapshot ${f}`),
    '',
  ].join('\n');
}
