// Calls put on the ladder by hand: the transports record only their own setup calls, so the
// experiments' sends and shutdowns, and the calls a child peer made, are recorded here.
import { type CallRecord, preview, type Side } from "../../trace/events.js";
import type { ExperimentContext } from "../experiment.js";

/** A call a child made, for the ladder: the transports record ours, this records the peer's. */
export function traceChild(context: ExperimentContext, record: Omit<CallRecord, "inferred">): void {
  context.trace({ inferred: false, ...record });
}

/** Put one of the experiment's own sends on the ladder (the transports record only setup calls). */
export function traceSend(
  context: ExperimentContext,
  record: { side: Side; call: "send" | "sendto"; via: string; data: Buffer; outcome?: string },
): void {
  const { side, call, via, data, outcome = "sent" } = record;
  const failed = outcome === "sent" ? {} : { errno: outcome };
  context.trace({ side, call, inferred: false, via, bytes: data.length, preview: preview(data), ...failed });
}

/** shutdown(SHUT_WR), made by `via`: what the connection's end() said made it. */
export function traceShutdown(context: ExperimentContext, side: Side, via: string): void {
  context.trace({ side, call: "shutdown", inferred: false, via, detail: "SHUT_WR" });
}
