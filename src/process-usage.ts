/** CPU time and peak memory of this process, for reports and benchmarks. */
export interface ProcessUsage {
  cpuUserSec: number;
  cpuSystemSec: number;
  peakRssMb: number;
}

export function processUsage(): ProcessUsage {
  const u = process.resourceUsage();
  return {
    cpuUserSec: u.userCPUTime / 1e6,
    cpuSystemSec: u.systemCPUTime / 1e6,
    peakRssMb: u.maxRSS / 1024,
  };
}
