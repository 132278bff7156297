/** One process's resident memory, CPU time and open fds, read from /proc (Linux), for long-run curves. */
import { readdir, readFile } from 'node:fs/promises';
import { parseVmRssMb } from './proc.js';

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ; 100 on every Linux this runs on). */
const TICKS_PER_SEC = 100;

export interface ProcessSample {
  rssMb: number;
  /** User + system CPU time so far, seconds. */
  cpuSec: number;
  fds: number;
}

/** utime + stime of a /proc/PID/stat text, in seconds (fields 14 and 15, counted after the command's closing paren). */
export function parseCpuSec(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
}

/** The process's numbers now; undefined once it has exited. */
export async function sampleProcess(pid: number): Promise<ProcessSample | undefined> {
  try {
    const [status, stat, fds] = await Promise.all([
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readdir(`/proc/${pid}/fd`),
    ]);
    return { rssMb: parseVmRssMb(status) ?? NaN, cpuSec: parseCpuSec(stat), fds: fds.length };
  } catch {
    return undefined;
  }
}
