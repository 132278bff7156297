import { expect } from 'chai';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateExpectations, parseExpectations } from '../../../src/harness/expectations.js';
import { METRIC_NAMES, type Metrics } from '../../../src/harness/metric-list.js';
import type { ScenarioReport } from '../../../src/harness/report.js';
import { writeReports } from '../../../src/harness/report-files.js';
import { toHtmlReport } from '../../../src/harness/report-html.js';
import { toJsonReport } from '../../../src/harness/report-json.js';
import { toJunitXml } from '../../../src/harness/report-junit.js';

function syntheticReport(): ScenarioReport {
  const metrics = Object.fromEntries(METRIC_NAMES.map((n) => [n, 1])) as unknown as Metrics;
  metrics.deliveredRatio = 0.5;
  metrics.latencyP95Ms = undefined;
  const expectations = evaluateExpectations(
    parseExpectations({ deliveredRatio: '>= 0.9', framesCorrupt: '<= 1', latencyP95Ms: '<= 60' }),
    metrics,
  );
  return {
    schemaVersion: 1,
    name: 'a <tricky> & "quoted" name',
    seed: 42,
    passed: false,
    interrupted: false,
    startedAt: '2025-01-01T00:00:00.000Z',
    durationSec: 1.5,
    ...metrics,
    scenario: {
      name: 'x', source: 'pattern:ball', size: '160x120', format: 'rgb24', fps: 30, pacing: 'linear', frames: 2, mtu: 1500, wire: 'rtp',
      network: {}, protection: { nack: false, latency: '10ms', rtxHistory: '1000ms' }, sinks: [], expect: {},
    },
    expectations,
    lossBursts: { '1': 3 },
    timeSeries: { intervalMs: 100, tSec: [0, 0.1], fps: [30, 20], lossPct: [0, null], latencyMs: [4, null] },
    timeline: [{ tSec: 0.05, label: 'loss=</script>' }],
    framesUnmatched: 0,
    network: {
      forward: {
        received: 1, forwarded: 1, dropped: { loss: 0, queue: 0, dropList: 0 }, duplicated: 0, corrupted: 0, reordered: 0,
        pending: 0, discarded: 0, overflowed: 0, unreplayed: 0, replayErrors: 0,
      },
      socketErrors: 0,
      lostOnHost: 0,
      undelivered: 0,
    },
    sender: {
      framesSent: 2, packetsSent: 2, bytesSent: 2, sendErrors: 0, framesLate: 0, durationSec: 1, fps: 2, bitrateMbps: 0,
      pacing: { mode: 'linear', path: 'native thread', packets: 2, latenessUs: { p50: 1, p99: 2, max: 3 }, dropped: 0, framesDelayed: 0 },
      rtcpReceived: 0, otherReceived: 0, featureErrors: { count: 0, first: '' },
    },
    receiver: {
      framesComplete: 1, framesIncomplete: 1, framesShort: 0, framesEvicted: 0, framesCorrupt: 0, packetsReceived: 1, packetsLost: 1, packetsDuplicate: 0,
      packetsMalformed: 0, packetsLate: 0, packetsForeignSsrc: 0, packetsForeignSource: 0, ssrcChanges: 0, bytesReceived: 1, bitrateMbps: 0,
      durationSec: 1, sinkDrops: {}, sinkErrors: {}, socketErrors: 0, featureErrors: { count: 0, first: '' },
      endReason: 'stopped',
    },
    frames: [
      { index: 0, complete: true, fate: 'complete', latencyMs: 4, bytesMissing: 0, arrivalUs: 1 },
      { index: 1, complete: false, fate: 'never-seen', bytesMissing: 57600 },
    ],
    samples: [{ index: 0, width: 1, height: 1, png: 'data:image/png;base64,AAAA' }],
  };
}

describe('harness reports', () => {
  it('writes JSON with schemaVersion, nulls for unmeasured metrics and no sample pictures', () => {
    const json = JSON.parse(toJsonReport(syntheticReport()));
    expect(json.schemaVersion).to.equal(1);
    expect(json.deliveredRatio).to.equal(0.5);
    expect(json).to.have.property('latencyP95Ms', null);
    expect(json).to.not.have.property('samples');
    expect(json.frames).to.have.length(2);
    expect(json.expectations[2]).to.include({ metric: 'latencyP95Ms', measured: null, passed: false });
  });

  it('writes JUnit XML with one testcase per expectation and a failure naming measured and expected', () => {
    const xml = toJunitXml(syntheticReport());
    expect(XMLValidator.validate(xml)).to.equal(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suite = doc.testsuites.testsuite;
    expect(suite.name).to.equal('framewire.a <tricky> & "quoted" name');
    expect(suite.tests).to.equal('4');
    expect(suite.failures).to.equal('2');
    const cases = suite.testcase as Array<{ name: string; failure?: { message: string } }>;
    expect(cases.map((c) => c.name)).to.deep.equal([
      'deliveredRatio >= 0.9', 'framesCorrupt <= 1', 'latencyP95Ms <= 60', 'framesComplete > 0 (implicit)',
    ]);
    expect(cases[0]!.failure!.message).to.equal('deliveredRatio was 0.5, expected >= 0.9');
    expect(cases[1]!.failure).to.equal(undefined);
    expect(cases[2]!.failure!.message).to.equal('latencyP95Ms was not measured, expected <= 60');
  });

  it('marks an interrupted run in JUnit with a failed testcase of its own, and on the HTML page', () => {
    const report = { ...syntheticReport(), interrupted: true };
    const xml = toJunitXml(report);
    expect(XMLValidator.validate(xml)).to.equal(true);
    const suite = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml).testsuites.testsuite;
    expect(suite).to.include({ tests: '5', failures: '3' });
    const last = (suite.testcase as Array<{ name: string; failure?: { message: string } }>).at(-1)!;
    expect(last.name).to.equal('run completed');
    expect(last.failure!.message).to.equal('interrupted after 1 of 2 frames');
    expect(toHtmlReport(report)).to.include('interrupted after 1 of 2 frames');
    expect(toHtmlReport(syntheticReport())).to.not.include('interrupted after');
  });

  it('writes a self-contained HTML page: uPlot and the data inlined, nothing fetched', () => {
    const html = toHtmlReport(syntheticReport());
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html).to.not.match(/<script[^>]+src=/);
    expect(html).to.not.match(/<link[^>]+href=/);
    expect(html).to.include('uPlot');
    expect(html).to.include('a &lt;tricky&gt; &amp; &quot;quoted&quot; name');
    // The timeline label cannot end the data script early.
    expect(html).to.not.include('loss=</script>');
    expect(html).to.include('<img class="sample" src="data:image/png;base64,AAAA"');
  });

  it('writes the files asked for, into --out by default names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fw-reports-'));
    const written = await writeReports(syntheticReport(), { dir, junit: join(dir, 'ci', 'results.xml') });
    expect(written).to.deep.equal([join(dir, 'report.json'), join(dir, 'ci', 'results.xml'), join(dir, 'report.html')]);
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')).seed).to.equal(42);
    expect(await writeReports(syntheticReport(), {})).to.deep.equal([]);
  });
});
