// What every load shares: a warm-up that is thrown away, then the measured run. Each is bounded in
// time and in count, so that every loop stops by itself.
import { performance } from "node:perf_hooks";

export interface LoadOptions {
  warmupSeconds: number;
  durationSeconds: number;
  /** Called as the measured run starts, after the warm-up: the bench reads the server's CPU clock. */
  onMeasuring?(): void;
}

/** More operations than any run of 600 s can make: a bound that is never the one that stops a loop. */
export const MAX_OPERATIONS = 100_000_000;

/** performance.now() at which a run of `seconds` from now is over. */
export function deadline(seconds: number): number {
  return performance.now() + seconds * 1000;
}

/** Seconds since `start`, a performance.now() reading. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** How long a load waits for any progress before it gives up on the server. */
export const STALL_MS = 5000;

/**
 * A watchdog for a loop that waits on the server: `onStall` runs once if `progress()` is not called for
 * STALL_MS, so a server that stops reading cannot keep the loop waiting for ever.
 */
export function watchForStall(onStall: () => void): { progress(): void; stop(): void } {
  let last = performance.now();
  const timer = setInterval(() => {
    if (performance.now() - last < STALL_MS) return;
    clearInterval(timer);
    onStall();
  }, 250);
  timer.unref();
  return {
    progress: () => {
      last = performance.now();
    },
    stop: () => clearInterval(timer),
  };
}
