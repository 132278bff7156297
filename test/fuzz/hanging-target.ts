import fc from 'fast-check';
import type { FuzzTarget } from './fuzz-target.js';

/**
 * For test/fuzz/watchdog.test.ts only: a target whose properties pass, fail, loop forever on one input, and come
 * after that, so every outcome the watchdog reports is seen.
 */
export const HANGING_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'hanging',
    summary: 'the watchdog test target',
    properties: () => [
      { name: 'passes', property: fc.property(fc.nat(1000), (n) => n >= 0) },
      { name: 'fails above 900', property: fc.property(fc.nat(1000), (n) => n <= 900) },
      {
        name: 'loops forever on 7',
        property: fc.property(fc.nat(20), (n) => {
          while (n === 7) {} // the endless loop is the point
          return true;
        }),
      },
      { name: 'comes after', property: fc.property(fc.nat(), () => true) },
    ],
  },
];
