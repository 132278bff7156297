import type { ExpectationResult } from './expectations.js';
import { interruption, type ScenarioReport } from './report.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped rather than escaped.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function measuredText(e: ExpectationResult): string {
  return e.measured === undefined ? 'not measured' : String(e.measured);
}

function testcase(e: ExpectationResult, suite: string): string {
  const name = escapeXml(`${e.metric} ${e.expected}${e.implicit ? ' (implicit)' : ''}`);
  const open = `    <testcase classname="${escapeXml(suite)}" name="${name}" time="0">`;
  if (e.passed) return `${open}<system-out>${escapeXml(`measured ${measuredText(e)}`)}</system-out></testcase>`;
  const message = escapeXml(`${e.metric} was ${measuredText(e)}, expected ${e.expected}`);
  return `${open}\n      <failure message="${message}" type="expectation">${message}</failure>\n    </testcase>`;
}

/** The testcase an interrupted run adds, failed, so no CI reads a partial run as a pass. */
function interruptedCase(report: ScenarioReport, suite: string): string {
  const message = escapeXml(interruption(report));
  return `    <testcase classname="${escapeXml(suite)}" name="run completed" time="0">\n` +
    `      <failure message="${message}" type="interrupted">${message}</failure>\n    </testcase>`;
}

/**
 * JUnit XML with one testcase per expectation, so any CI lists them (and one more, failed, when the run was
 * interrupted); the suite is the scenario.
 */
export function toJunitXml(report: ScenarioReport): string {
  const suite = `framewire.${report.name}`;
  const extra = report.interrupted ? 1 : 0;
  const tests = report.expectations.length + extra;
  const failures = report.expectations.filter((e) => !e.passed).length + extra;
  const { rtcp, nack } = report;
  const properties = [
    ['seed', String(report.seed)],
    ['deliveredRatio', String(report.deliveredRatio)],
    ['framesSent', String(report.framesSent)],
    ['interrupted', String(report.interrupted)],
    ...(rtcp ? [
      ['rtcp.rttP50Ms', String(rtcp.rttMs?.p50 ?? '')],
      ['rtcp.jitterMs', String(rtcp.jitterMs)],
      ['rtcp.peerFractionLost', String(rtcp.peerFractionLost ?? '')],
      ['rtcp.packetsLostMeasured', String(rtcp.packetsLostMeasured)],
    ] : []),
    ...(nack ? [
      ['nack.packetsRequested', String(nack.packetsRequested)],
      ['nack.retransmissionsReceived', String(nack.retransmissionsReceived)],
      ['nack.framesRecovered', String(nack.framesRecovered)],
      ['nack.packetsTooLate', String(nack.packetsTooLate)],
      ['nack.overheadPercent', String(nack.overheadPercent)],
    ] : []),
  ].map(([k, v]) => `      <property name="${k}" value="${escapeXml(v!)}"/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="framewire" tests="${tests}" failures="${failures}" time="${report.durationSec}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${tests}" failures="${failures}" errors="0" ` +
      `skipped="0" time="${report.durationSec}" timestamp="${report.startedAt}">`,
    '    <properties>',
    ...properties,
    '    </properties>',
    ...report.expectations.map((e) => testcase(e, suite)),
    ...(report.interrupted ? [interruptedCase(report, suite)] : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
