// The NDJSON records a playground child printed, back into SocketEvents on one clock. Each child's
// trace began at its own moment (its `trace began` record gives the origin on CLOCK_MONOTONIC, which
// every network namespace on the machine shares), so events of the two hosts are placed on one time
// axis by their monotonic time, from the earlier origin.
import type { SocketEvent } from "../trace/events.js";
import type { TraceOrigin } from "../trace/origin.js";
import type { Record } from "./remote.js";

/** Pino's own fields, which are no part of a SocketEvent. */
const PINO_FIELDS = new Set(["level", "time", "msg"]);

export function isEventRecord(r: Record): boolean {
  return typeof r.call === "string" && (r.side === "client" || r.side === "server");
}

export function originOf(records: readonly Record[]): TraceOrigin | undefined {
  return records.find((r) => r.trace === "began")?.origin as TraceOrigin | undefined;
}

/**
 * The events of several children, in one time order, on the clock of `base` (by default the earliest
 * child's origin).
 */
export function mergeEvents(
  children: readonly (readonly Record[])[],
  base?: TraceOrigin,
): { events: SocketEvent[]; origin?: TraceOrigin } {
  const traced = children.flatMap((records) => {
    const origin = originOf(records);
    return origin ? [{ origin, records }] : [];
  });
  const first = base ?? traced.map((c) => c.origin).sort((a, b) => a.monotonicUs - b.monotonicUs)[0];
  if (!first) return { events: [] };
  const events = traced.flatMap(({ origin, records }) =>
    records.filter(isEventRecord).map((r) => {
      const event = Object.fromEntries(Object.entries(r).filter(([key]) => !PINO_FIELDS.has(key)));
      return { ...event, t: (r.t as number) + origin.monotonicUs - first.monotonicUs } as SocketEvent;
    }),
  );
  return { events: events.sort((a, b) => a.t - b.t), origin: first };
}
