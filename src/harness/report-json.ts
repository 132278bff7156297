import type { ScenarioReport } from './report.js';

/**
 * The JSON report: the report object without the sample pictures (they belong to the HTML page), with metrics
 * that could not be measured written as null so every documented field is always present.
 */
export function toJsonReport(report: ScenarioReport): string {
  const { samples: _samples, ...rest } = report;
  return `${JSON.stringify(rest, (_key, value: unknown) => (value === undefined ? null : value), 2)}\n`;
}
