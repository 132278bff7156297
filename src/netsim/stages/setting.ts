import { z } from 'zod';
import { UnitError } from '../units.js';

/**
 * One setting of an impairment stage: its field in a network section (scenario files, timeline steps) and the
 * `framewire netsim` flag that gives it. The stage owns both, so a new stage brings its flags with it.
 */
export interface Setting<S extends z.ZodType = z.ZodType> {
  /** Validates the field as written in JSON and turns it into what the stage resolves (units into numbers). */
  readonly schema: S;
  readonly flag: {
    /** Without the dashes: `loss-model`. */
    readonly name: string;
    /** The placeholder in help: `--delay <time>`. */
    readonly value: string;
    readonly help: string;
    /** The flag's text as a scenario file would write the field (a number, a list); the text itself when absent. */
    readonly fromText?: (text: string) => unknown;
  };
  /**
   * Fixed for a whole direction: timeline steps cannot change it. The drop list is: it names ordinals counted
   * from the direction's first packet, not from a step.
   */
  readonly perDirection?: boolean;
}

export type Settings = Readonly<Record<string, Setting>>;

/** A stage's fields after validation; absent when not given (defaults are the stage's to fill in). */
export type RawSettings<F extends Settings> = { readonly [K in keyof F]?: z.output<F[K]['schema']> };

/** A field parsed by one of the units.ts parsers, whose UnitError becomes the field's message. */
export function unit<T>(parse: (value: unknown) => T) {
  return z.unknown().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });
}

/** One of a few words; the message lists them ("must be 'uniform' or 'normal'"). */
export function choice<const T extends readonly [string, ...string[]]>(values: T) {
  const quoted = values.map((v) => `'${v}'`);
  const list = quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)!}`;
  return z.enum(values, { error: `must be ${list}` });
}

/** Flag text for a numeric field; an empty or non-numeric text becomes NaN, which the schema then names. */
export function numberText(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

/** Flag text for a boolean field; anything but true or false is left as text for the schema to refuse. */
export function booleanText(text: string): boolean | string {
  return text === 'true' ? true : text === 'false' ? false : text;
}

/** Flag text for a list of whole numbers (`0,17,40`); items that are not numbers stay text for the schema to refuse. */
export function numberListText(text: string): Array<number | string> {
  return text.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s));
}
