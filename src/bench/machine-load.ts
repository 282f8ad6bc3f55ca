// How busy the whole machine was, to tell a bench's own work from everyone else's: the CPU time every
// process used (from /proc/stat), less the server's and the load's, is what others took meanwhile.
import { readFileSync } from "node:fs";

/** Clock ticks per second in /proc files: USER_HZ, which is 100 on Linux for every architecture. */
export const USER_HZ = 100;

/** CPU seconds spent busy so far, summed over all CPUs: everything but idle and iowait. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    // cpu  user nice system idle iowait irq softirq steal ...
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((sum, n) => sum + n, 0);
    return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}
