import { join } from 'node:path';
import type { FrameGeometry } from '../frame.js';
import { startRelay, type Relay } from '../netsim/relay.js';
import type { Wire } from '../rtp/index.js';
import { SdlSink } from '../sinks/sdl.js';
import { createSource } from '../sources/spec.js';
import type { Endpoint } from '../transport/endpoint.js';
import { Receiver, type ReceiverReport } from '../transport/receiver.js';
import { Sender, type SenderStats } from '../transport/sender.js';
import { presetLabel, type DemoPreset } from './presets.js';

export interface DemoOptions {
  source: string;
  geometry: FrameGeometry;
  fps: number;
  mtu: number;
  wire: Wire;
  /** Window pixels per frame pixel. */
  scale: number;
  presets: readonly DemoPreset[];
  /** Index into `presets` of the network to start with. */
  startPreset: number;
  /** Where `s` writes snapshots. */
  snapshotDir: string;
  /** Overrides the network's own seed; random when neither gives one (the summary says which was used). */
  seed?: number;
  /** Progress lines for the user (preset switches, snapshots). */
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface DemoSummary {
  durationSec: number;
  /** Preset labels in the order they were used. */
  presets: string[];
  snapshots: string[];
  receiver: ReceiverReport;
  sender: SenderStats;
  /** Frames the window showed, skipped because it fell behind, and held back while paused. */
  display: { shown: number; dropped: number; frozen: number };
  seed: number;
}

const LOOPBACK: Endpoint = { host: '127.0.0.1', port: 0 };

/**
 * One process, the whole path: source -> Sender -> netsim relay -> Receiver -> SDL window. Keys 1-9 switch the
 * relay's network preset live, space freezes the picture, s saves a PNG snapshot, q (or closing the window) ends
 * the demo; resolves to a summary once everything is closed.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const startMs = performance.now();
  let preset = options.presets[options.startPreset]!;
  const used = [presetLabel(preset)];
  const snapshots: string[] = [];
  const stopSending = new AbortController();

  const sink = await SdlSink.open({ scale: options.scale, label: `demo ${presetLabel(preset)}` });
  const opened: Array<{ close(): Promise<unknown> }> = [sink];
  let receiver: Receiver;
  let relay: Relay;
  let sender: Sender;
  try {
    const source = await createSource(options.source, { ...options.geometry, fps: options.fps });
    opened.push(source);
    receiver = await Receiver.open({
      listen: LOOPBACK, geometry: options.geometry, wire: options.wire, sinks: [sink], partial: true, signal: options.signal,
      // One port each way through the relay: RTCP shares the RTP path and its reverse direction.
      rtcpMux: true,
    });
    opened.push({ close: async () => { receiver.stop(); await receiver.done; } });
    relay = await startRelay({ listen: LOOPBACK, to: receiver.address, network: preset.network, seed: options.seed });
    opened.push(relay);
    sender = await Sender.open(source, {
      to: relay.address, wire: options.wire, mtu: options.mtu, fps: options.fps, rtcpMux: true, signal: stopSending.signal,
    });
  } catch (err) {
    for (const part of opened.reverse()) await part.close().catch(() => undefined);
    throw err;
  }
  // Whatever ends the stream (a camera unplugged, a finite source) ends the demo.
  const sending = sender.run().finally(() => receiver.stop());

  /** A switch changes the relay's network between two packets; nothing is restarted or lost in the switch. */
  const switchTo = (next: DemoPreset): void => {
    if (next === preset) return;
    relay.setNetwork(next.network);
    preset = next;
    used.push(presetLabel(next));
    sink.setLabel(`demo ${presetLabel(next)}`);
    options.log(`network: ${presetLabel(next)}`);
  };

  let snapshotCount = 0;
  let saving = Promise.resolve();
  const snapshot = (): void => {
    const file = join(options.snapshotDir, `framewire-snapshot-${process.pid}-${++snapshotCount}.png`);
    saving = saving.then(async () => {
      try {
        if (!(await sink.snapshot(file))) return options.log('snapshot: nothing shown yet');
        snapshots.push(file);
        options.log(`snapshot: ${file}`);
      } catch (err) {
        options.log(`snapshot: cannot write ${file} (${(err as Error).message})`);
      }
    });
  };

  sink.onKey((key) => {
    const next = options.presets.find((p) => p.key === key);
    if (next) switchTo(next);
    else if (key === 'space') sink.setPaused(!sink.isPaused);
    else if (key === 's') snapshot();
    else if (key === 'q' || key === 'escape') receiver.stop();
  });

  const report = await receiver.done;
  stopSending.abort();
  let senderStats: SenderStats;
  try {
    senderStats = await sending;
  } finally {
    await saving;
    await relay.close();
  }
  return {
    durationSec: (performance.now() - startMs) / 1000,
    presets: used,
    snapshots,
    receiver: report,
    sender: senderStats,
    display: { shown: sink.shown, dropped: sink.dropped, frozen: sink.frozen },
    seed: relay.seed,
  };
}
