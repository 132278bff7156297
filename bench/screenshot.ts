/** Bench pictures: an HTML page with uPlot drawn by headless Chromium and saved as a PNG. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const CHROMIUM = '/usr/bin/chromium';

/** uPlot's script and stylesheet, to inline into a page. */
export async function uplotAssets(): Promise<{ js: string; css: string }> {
  const require = createRequire(import.meta.url);
  const dist = join(require.resolve('uplot'), '..');
  const [js, css] = await Promise.all([
    readFile(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    readFile(join(dist, 'uPlot.min.css'), 'utf8'),
  ]);
  return { js, css };
}

/** Renders `html` in a `width` x `height` window and saves it to `pngPath`. */
export async function screenshot(html: string, pngPath: string, width: number, height: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'framewire-chart-'));
  try {
    const page = join(dir, 'chart.html');
    await writeFile(page, html);
    await promisify(execFile)(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
      `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${pngPath}`, `--window-size=${width},${height}`,
      pathToFileURL(page).href], { timeout: 60_000 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
