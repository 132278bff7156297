import { UsageError } from '../usage-error.js';
import { METRICS, METRIC_NAMES, type MetricName, type Metrics } from './metric-list.js';

export type Comparison = '>=' | '<=' | '>' | '<' | '==' | '!=';

export interface Expectation {
  metric: MetricName;
  op: Comparison;
  value: number;
  /** Added by the harness rather than written in the scenario. */
  implicit?: boolean;
}

export interface ExpectationResult extends Expectation {
  /** The condition as written, e.g. ">= 0.9". */
  expected: string;
  /** Undefined when the metric could not be measured, which fails the expectation. */
  measured: number | undefined;
  passed: boolean;
}

/**
 * Added to every scenario: a receiver that assembled nothing must fail the run, even one that expects nothing,
 * so a broken setup can never pass vacuously.
 */
const IMPLICIT_EXPECTATION: Expectation = { metric: 'framesComplete', op: '>', value: 0, implicit: true };

const COMPARISON = /^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

/** Parses one condition such as ">= 0.9" for `field` (e.g. `expect.fps`). */
export function parseCondition(text: unknown, field: string): { op: Comparison; value: number } {
  const m = typeof text === 'string' ? COMPARISON.exec(text) : null;
  if (!m) {
    throw new UsageError(`${field}: ${JSON.stringify(text)} is not a condition like ">= 0.9" (one of >=, <=, >, <, ==, !=)`);
  }
  return { op: m[1] as Comparison, value: Number(m[2]) };
}

/** Parses the `expect` section: metric names must come from {@link METRICS}. */
export function parseExpectations(expect: Record<string, unknown>, where = 'expect'): Expectation[] {
  return Object.entries(expect).map(([metric, text]) => {
    const field = `${where}.${metric}`;
    if (!Object.hasOwn(METRICS, metric)) {
      throw new UsageError(`${field}: unknown metric (known: ${METRIC_NAMES.join(', ')})`);
    }
    return { metric: metric as MetricName, ...parseCondition(text, field) };
  });
}

function holds(measured: number, op: Comparison, value: number): boolean {
  switch (op) {
    case '>=': return measured >= value;
    case '<=': return measured <= value;
    case '>': return measured > value;
    case '<': return measured < value;
    case '==': return measured === value;
    case '!=': return measured !== value;
  }
}

export function formatCondition(e: Pick<Expectation, 'op' | 'value'>): string {
  return `${e.op} ${e.value}`;
}

/** Checks each expectation, then the implicit one, against the measured metrics. */
export function evaluateExpectations(expectations: readonly Expectation[], metrics: Metrics): ExpectationResult[] {
  return [...expectations, IMPLICIT_EXPECTATION].map((e) => {
    const measured = metrics[e.metric];
    return {
      ...e,
      expected: formatCondition(e),
      measured,
      passed: measured !== undefined && Number.isFinite(measured) && holds(measured, e.op, e.value),
    };
  });
}
