import { loadNativeUdp } from '../../src/transport/native-udp.js';

type Env = Record<string, string | undefined>;

/** Sets each variable (undefined: unsets it) and returns what they were. */
function setEnv(values: Env): Env {
  const saved: Env = {};
  for (const [name, value] of Object.entries(values)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return saved;
}

/**
 * In a describe: its tests run with these environment variables (undefined: unset), whatever the whole run set, and
 * they are restored after. Tests of the addon's own paths use it so that a run with FRAMEWIRE_NATIVE=0 or
 * FRAMEWIRE_GSO=0 does not switch off what they test.
 */
export function envForSuite(values: Env): void {
  let saved: Env = {};
  before(() => { saved = setEnv(values); });
  after(() => { setEnv(saved); });
}

/** Runs `body` with these environment variables (undefined: unset), restoring them after. */
export async function envDuring<T>(values: Env, body: () => Promise<T>): Promise<T> {
  const saved = setEnv(values);
  try {
    return await body();
  } finally {
    setEnv(saved);
  }
}

/** The native addon, for tests of the addon itself: without it they cannot run, and say how to build it. */
export function requireNativeAddon(): Exclude<ReturnType<typeof loadNativeUdp>, Error> {
  const addon = loadNativeUdp();
  if (addon instanceof Error) {
    throw new Error(`these tests need the addon: run node scripts/build-native.mjs --strict (${addon.message})`);
  }
  return addon;
}
