// Where a trace's t = 0 lies on the machine's two clocks, so that what other sources stamp can be
// placed on the same ladder: another process or network namespace on this machine and the kernel's
// trace buffer (trace_clock mono) read CLOCK_MONOTONIC; strace -ttt, tcpdump and other hosts' logs
// read the wall clock (CLOCK_REALTIME). Events keep microseconds since the origin (SocketEvent.t).
import { performance } from "node:perf_hooks";

export interface TraceOrigin {
  /** CLOCK_REALTIME at t = 0, in µs since the Unix epoch. */
  wallUs: number;
  /** CLOCK_MONOTONIC at t = 0, in µs (the clock performance.now() and process.hrtime() read). */
  monotonicUs: number;
}

export type Clock = "wall" | "monotonic";

/**
 * The origin for a trace that starts at performance.now() = `start`. Node has no call for the wall
 * clock in µs; performance.timeOrigin is the wall clock when the process began, in ms with a
 * fraction, and performance.now() the monotonic time since. So this holds while the wall clock is
 * not stepped during the run (NTP slews it by at most 0.5 ms a second).
 */
export function originAt(start: number): TraceOrigin {
  const monotonicNow = Number(process.hrtime.bigint() / 1000n);
  const sinceStartUs = (performance.now() - start) * 1000; // the two reads above are not one instant
  return {
    wallUs: Math.round((performance.timeOrigin + start) * 1000),
    monotonicUs: Math.round(monotonicNow - sinceStartUs),
  };
}

/** A timestamp from `clock`, in µs, as microseconds on the trace that began at `origin`. */
export function onTrace(origin: TraceOrigin, clock: Clock, us: number): number {
  return Math.round(us - (clock === "wall" ? origin.wallUs : origin.monotonicUs));
}

/** The wall-clock time of `t` on the trace, as ISO 8601 with microseconds (UTC). */
export function wallTime(origin: TraceOrigin, t = 0): string {
  const us = origin.wallUs + t;
  const iso = new Date(Math.floor(us / 1000)).toISOString(); // ms: 2026-12-01T20:05:00.123Z
  return `${iso.slice(0, -1)}${String(Math.floor(us % 1000)).padStart(3, "0")}Z`;
}
