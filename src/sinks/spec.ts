import { SettingError } from '../usage-error.js';
import { NullSink } from './null.js';
import { PngSink } from './png.js';
import { createSdlSink } from './sdl.js';
import type { Sink } from './sink.js';

export interface SinkKind {
  /** How the spec is written, for help text. */
  readonly usage: string;
  readonly summary: string;
  /** `args` are the `:`-separated parts after the kind name. */
  create(args: string[]): Promise<Sink>;
}

/** Every sink kind by name; adding a kind is adding an entry. */
export const SINK_KINDS: Readonly<Record<string, SinkKind>> = {
  null: {
    usage: 'null',
    summary: 'count frames and discard them',
    create: async (args) => {
      if (args.length > 0) throw new SettingError('sink', `null takes no arguments, got '${args.join(':')}'`);
      return new NullSink();
    },
  },
  png: {
    usage: 'png:DIR[:every=N][:queue=N]',
    summary: 'write frames as DIR/frame-NNNNNN.png; up to queue=N wait for the encoder (default: 64 MiB of frames), then the oldest give way',
    create: createPngSink,
  },
  sdl: {
    usage: 'sdl[:scale=N]',
    summary: 'show frames in a window titled with live fps, loss and latency; closing it ends the run',
    create: createSdlSink,
  },
};

/** Each waiting frame is a full copy: bound what a flag can ask for. */
const MAX_QUEUE_FLAG = 4096;

async function createPngSink(args: string[]): Promise<Sink> {
  const [dir, ...options] = args;
  if (!dir) throw new SettingError('sink', `png needs a directory, like png:out or png:out:every=10`);
  const settings: { every: number; queue?: number } = { every: 1 };
  for (const option of options) {
    const [key, value] = splitOption(option);
    if (key !== 'every' && key !== 'queue') throw new SettingError('sink', `png option '${key}' is unknown (known: every, queue)`);
    if (!/^\d+$/.test(value) || Number(value) < 1 || (key === 'queue' && Number(value) > MAX_QUEUE_FLAG)) {
      throw new SettingError('sink', `png ${key}=${value} must be a whole number ${key === 'queue' ? `from 1 to ${MAX_QUEUE_FLAG}` : '>= 1'}`);
    }
    settings[key] = Number(value);
  }
  const sink = new PngSink(dir, settings);
  try {
    await sink.open();
  } catch (err) {
    throw err instanceof SettingError ? new SettingError('sink', `png:${dir}: ${err.problem}`) : err;
  }
  return sink;
}

function splitOption(option: string): [string, string] {
  const eq = option.indexOf('=');
  if (eq < 1) throw new SettingError('sink', `option '${option}' must look like key=value`);
  return [option.slice(0, eq), option.slice(eq + 1)];
}

/** Builds a sink from a `kind[:arg...]` spec (the `--sink` flag). */
export async function createSink(spec: string): Promise<Sink> {
  const [name, ...args] = spec.split(':');
  const kind = Object.hasOwn(SINK_KINDS, name) ? SINK_KINDS[name] : undefined;
  if (!kind) {
    throw new SettingError('sink', `unknown sink kind '${name}' (known: ${Object.keys(SINK_KINDS).join(', ')})`);
  }
  return kind.create(args);
}
