import { expect } from 'chai';
import { noise } from '../../../bench/machine.js';
import type { Engine } from '../../../bench/plan.js';
import { renderMarkdown } from '../../../bench/report-md.js';
import { addRatios, addRelayCost, summarizeRuns, type BenchResults, type RowResult } from '../../../bench/results.js';
import type { RowConfig, RunResult } from '../../../bench/row.js';

/** A run delivering `fps` of 1080p rgb24 (6.2 MB a frame, 4,536 packets) for 3 s. */
function run(fps: number, extra: Partial<RunResult> = {}): RunResult {
  const frames = fps * 3;
  return {
    framesSent: frames, framesComplete: frames, packetsLost: 0, senderSec: 3, deliveredFps: fps, completePct: 100,
    mbps: (fps * 6_220_800 * 8) / 1e6, packetsPerSec: fps * 4536, senderCpuMsPerFrame: 2, receiverCpuMsPerFrame: 3,
    receiverPeakRssMb: 100, ...extra,
  };
}

function row(kind: RowResult['kind'], config: Partial<RowConfig>, engines: Partial<Record<Engine, RunResult[]>>): RowResult {
  const result: RowResult = {
    kind, label: kind, size: '1920x1080', format: 'rgb24', mtu: 1400, durationSec: 3, fps: 'max', ...config, engines: {},
  };
  for (const [engine, runs] of Object.entries(engines) as Array<[Engine, RunResult[]]>) {
    result.engines[engine] = { runs, failures: [], summary: summarizeRuns(runs) };
  }
  addRatios(result);
  return result;
}

function results(rows: RowResult[]): BenchResults {
  addRelayCost(rows);
  return {
    date: '2026-12-02T00:00:00.000Z',
    machine: { cpu: 'CPU', cores: 2, memoryGb: 24, kernel: 'Linux 6.18', node: 'v20' },
    settings: { quick: false, repeats: 1, durationSec: 3, pacedSec: 20, filters: [] },
    noise: noise([100, 100], [100, 100], [1, 1, 1]),
    ceiling: { sentPerSec: 300_000, receivedPerSec: 300_000, lostPct: 0, datagramBytes: 1372, receivedGbps: 3.29 },
    byteCeiling: { sentPerSec: 120_000, receivedPerSec: 119_048, lostPct: 0.8, datagramBytes: 63_000, receivedGbps: 60 },
    rows,
    memory: [],
    failures: [],
  };
}

function line(markdown: string, ...parts: string[]): string {
  const found = markdown.split('\n').filter((l) => parts.every((p) => l.includes(p)));
  expect(found, parts.join(' + ')).to.have.length(1);
  return found[0]!;
}

const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());

describe('bench: the results and their tables', () => {
  const direct = row('throughput', {}, {
    framewire: [run(400, { sendPath: 'gso' }), run(480, { sendPath: 'gso' }), run(440, { sendPath: 'gso' })],
    'framewire-sendmmsg': [run(110, { sendPath: 'sendmmsg' })],
    'framewire-js': [run(50, { sendPath: 'dgram' })],
    gstreamer: [run(88)],
  });
  const relay = row('throughput', { relay: true }, { framewire: [run(374, { sendPath: 'gso' })] });

  it('summarizes only numbers, over the runs that reported them', () => {
    const s = summarizeRuns([run(10, { sendPath: 'gso', senderCpuPct: 50 }), run(20, { sendPath: 'gso' })])!;
    expect(s.deliveredFps).to.include({ median: 15, n: 2 });
    expect(s.senderCpuPct).to.include({ median: 50, n: 1 });
    expect(s).not.to.have.property('sendPath');
    expect(s).not.to.have.property('groDatagrams');
  });

  it('ratios: each framewire engine against GStreamer, GSO against sendmmsg, relay against direct', () => {
    expect(direct.gsoGain).to.equal(4);
    expect(direct.vsGstreamer).to.deep.equal({ framewire: 5, 'framewire-sendmmsg': 1.25, 'framewire-js': 50 / 88 });
    addRelayCost([direct, relay]);
    expect(relay.ratioDirect).to.equal(0.85);
  });

  it('throughput table: Gbit/s, shares of both loopback ceilings, and GSO/sendmmsg beside GStreamer in the ratio', () => {
    const md = renderMarkdown(results([direct, relay]));
    expect(md).to.include('Ceilings: iperf3 moved 300,000 datagrams/s of 1,372 bytes, 3.29 Gbit/s');
    expect(md).to.include('and 119,048 datagrams/s of 63,000 bytes, 60.0 Gbit/s (sent 120,000/s, 0.8% lost) over loopback');
    // 440 fps of 6,220,800 bytes is 21.9 Gbit/s: 36% of 60; 440 x 4,536 packets/s is 665% of 300,000.
    expect(cells(line(md, '| direct | framewire |'))).to.deep.equal([
      '1920x1080', 'rgb24', '1400', 'direct', 'framewire', '440 (400–480)', '100', '21.9', '1,995,840', '665%', '36%',
      '2.00', '3.00', '100', '4.00x sendmmsg, 5.00x GStreamer',
    ]);
    expect(cells(line(md, 'GSO off (sendmmsg)')).at(-1)).to.equal('1.25x GStreamer');
    expect(cells(line(md, '| GStreamer |')).at(-1)).to.equal('–');
    expect(cells(line(md, '| relay | framewire |')).at(-1)).to.equal('0.85x direct');
  });

  it('flags an engine whose runs went out by another path than its own (the kernel refused GSO)', () => {
    const refused = row('throughput', {}, { framewire: [run(100, { sendPath: 'sendmmsg' })], gstreamer: [run(50)] });
    expect(line(renderMarkdown(results([refused])), '| direct |', 'framewire')).to.include('framewire ⚠ sent by sendmmsg |');
  });

  it('paced table: complete % to two decimals, CPU % of a core, pacing lateness, frames started late and GRO', () => {
    const paced = row('paced', { size: '3840x2160', fps: 60, durationSec: 20 }, {
      framewire: [{
        ...run(60, { sendPath: 'gso' }), framesSent: 1200, framesComplete: 1199, completePct: (100 * 1199) / 1200,
        deliveredFps: 59.95, mbps: 11_900, senderCpuPct: 71.5, receiverCpuPct: 88, latenessP50Us: 3.2, latenessP99Us: 41,
        latenessMaxUs: 950, framesDelayed: 2, groDatagrams: 22_000_000, groBuffers: 1_100_000,
      }],
    });
    const md = renderMarkdown(results([paced]));
    expect(md).to.include('### Paced (default linear pacing at a set fps, 20 s a run');
    expect(cells(line(md, '| 3840x2160 |'))).to.deep.equal([
      '3840x2160', 'rgb24', '1400', '60', 'framewire', '99.92', '60.0', '11.9', '20%', '72%', '88%', '3.20 / 41.0 / 950', '2.00',
      '22,000,000 in 1,100,000 (20.0 each)',
    ]);
    expect(md).not.to.include('### Throughput');
  });
});
