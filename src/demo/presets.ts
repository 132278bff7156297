import { parseNetworkConfig, type NetworkConfig } from '../netsim/config.js';

/** A network the demo can switch to with one key. */
export interface DemoPreset {
  /** The key that selects it ('1'..'9', or '0' for a scenario's network). */
  key: string;
  name: string;
  network: NetworkConfig;
}

/**
 * Written as scenario-file network sections so they read like the scenarios users write. Chosen to look
 * different on screen: isolated broken frames, bursts of them, a visible lag, a link too narrow for the stream.
 */
const PRESET_NETWORKS: ReadonlyArray<[name: string, network: Record<string, unknown>]> = [
  ['clean', {}],
  ['1% loss', { loss: '1%' }],
  ['5% loss', { loss: '5%' }],
  ['bursty wifi', { loss: '2%', lossModel: 'gilbert-elliott', burst: 10, delay: '4ms', jitter: '3ms' }],
  ['200 ms delay', { delay: '200ms' }],
  ['congested 40 Mbit/s', { rate: '40mbit', queue: '64kb', delay: '10ms' }],
  ['jitter and reordering', { delay: '20ms', jitter: '15ms' }],
  ['duplicates and corruption', { duplicate: '3%', corrupt: '1%' }],
  ['awful: 20% loss, 100 ms', { loss: '20%', delay: '100ms', jitter: '20ms' }],
];

export const DEMO_PRESETS: readonly DemoPreset[] = PRESET_NETWORKS.map(([name, network], i) => ({
  key: String(i + 1),
  name,
  network: parseNetworkConfig(network, `demo preset '${name}'`),
}));

/** How a preset reads in the window title and the log: "[3] 5% loss". */
export function presetLabel(preset: DemoPreset): string {
  return `[${preset.key}] ${preset.name}`;
}
