import { join } from 'node:path';
import { prepareOutputDir, prepareOutputFile, writeFileAtomic } from '../output-file.js';
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

type Render = (report: ScenarioReport) => string;

/** Each report asked for: its path, the setting that named it, and how it is drawn. */
function targets(paths: ReportPaths): Array<{ path: string; setting: string; render: Render }> {
  const inDir = (name: string): string | undefined => (paths.dir === undefined ? undefined : join(paths.dir, name));
  const all: Array<[string | undefined, string, Render]> = [
    [paths.json ?? inDir('report.json'), paths.json === undefined ? 'out' : 'report', toJsonReport],
    [paths.junit ?? inDir('junit.xml'), paths.junit === undefined ? 'out' : 'junit', toJunitXml],
    [paths.html ?? inDir('report.html'), paths.html === undefined ? 'out' : 'html', toHtmlReport],
  ];
  return all.flatMap(([path, setting, render]) => (path === undefined ? [] : [{ path, setting, render }]));
}

/**
 * Checks, before a run, that every report asked for can be written (directories are created); a SettingError
 * names the setting (`out`, `report`, `junit`, `html`) whose path cannot be.
 */
export async function prepareReports(paths: ReportPaths): Promise<void> {
  if (paths.dir !== undefined) await prepareOutputDir(paths.dir, 'out');
  for (const { path, setting } of targets(paths)) await prepareOutputFile(path, setting);
}

/**
 * Writes the reports asked for, each atomically; resolves to the paths written. A report that cannot be written
 * does not stop the others: the error, thrown at the end, names every path that failed.
 */
export async function writeReports(report: ScenarioReport, paths: ReportPaths): Promise<string[]> {
  const written: string[] = [];
  const failures: string[] = [];
  for (const { path, render } of targets(paths)) {
    try {
      await writeFileAtomic(path, render(report));
      written.push(path);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  if (failures.length > 0) throw new ReportWriteError(written, failures);
  return written;
}

/** Some reports could not be written: which were, and why the others were not. */
export class ReportWriteError extends Error {
  constructor(
    readonly written: string[],
    readonly failures: string[],
  ) {
    super(failures.join('; '));
    this.name = 'ReportWriteError';
  }
}
