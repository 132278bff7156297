import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ScenarioReport } from './report.js';
import { toHtmlReport } from './report-html.js';
import { toJsonReport } from './report-json.js';
import { toJunitXml } from './report-junit.js';

export interface ReportPaths {
  /** Directory for report.json, junit.xml and report.html (each unless given its own path). */
  dir?: string;
  json?: string;
  junit?: string;
  html?: string;
}

/** Writes the reports asked for; resolves to the paths written. */
export async function writeReports(report: ScenarioReport, paths: ReportPaths): Promise<string[]> {
  const inDir = (name: string): string | undefined => (paths.dir === undefined ? undefined : join(paths.dir, name));
  const targets: Array<[string | undefined, (r: ScenarioReport) => string]> = [
    [paths.json ?? inDir('report.json'), toJsonReport],
    [paths.junit ?? inDir('junit.xml'), toJunitXml],
    [paths.html ?? inDir('report.html'), toHtmlReport],
  ];
  const written: string[] = [];
  for (const [path, render] of targets) {
    if (path === undefined) continue;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, render(report));
    written.push(path);
  }
  return written;
}
