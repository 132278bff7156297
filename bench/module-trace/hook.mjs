/**
 * A module resolve hook that appends every URL resolved to the file named by FRAMEWIRE_MODULE_TRACE, one a line:
 * what a command loads, for the start-up benchmark and the test that keeps commands from loading what they do not
 * use. Registered by register.mjs (node --import).
 */
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.FRAMEWIRE_MODULE_TRACE, `${resolved.url}\n`);
  return resolved;
}
