import type sharp from 'sharp';

export type Sharp = typeof sharp;

/**
 * sharp (libvips) for the code that encodes or decodes pictures, loaded on first use: it takes longer to load than
 * Node takes to start, and a command that moves frames without looking at them (a pattern sender, a null-sink
 * receiver, --help) must not wait for it. A package, not one of our modules, so every caller shares one copy.
 */
export async function loadSharp(): Promise<Sharp> {
  return (await import('sharp')).default;
}
