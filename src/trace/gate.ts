// A trace that holds its records until opened, then passes everything straight on. A server whose
// socket file is placed after bind() (socket-file.ts) reports "listening" only once peers can reach it.
import type { CallRecord, Trace } from "./events.js";

export interface GatedTrace extends Trace {
  /** Pass on what was held, and everything from now on. */
  open(): void;
  /** The socket never became reachable: pass on only the failures, and nothing from now on. */
  discard(): void;
}

export function gatedTrace(trace: Trace): GatedTrace {
  let held: CallRecord[] | undefined = [];
  const gated = (record: CallRecord) => {
    const stamped = { ...record, t: record.t ?? trace.now() }; // when it happened, not when released
    if (held) held.push(stamped);
    else trace(stamped);
  };
  return Object.assign(gated, {
    now: trace.now,
    wants: trace.wants,
    origin: trace.origin,
    open() {
      for (const record of held ?? []) trace(record);
      held = undefined;
    },
    discard() {
      for (const record of held ?? []) if (record.errno) trace(record);
      held = [];
    },
  });
}
