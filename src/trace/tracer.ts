// Stamps records into SocketEvents: microseconds since this tracer began (its origin on the machine's
// clocks: origin.ts), and what the transport is.
import { performance } from "node:perf_hooks";
import type { TransportInfo } from "../transports/transport.js";
import { type CallRecord, type EventName, printable, type SocketEvent, type Trace } from "./events.js";
import { originAt } from "./origin.js";

/** `wants` says which calls the sink shows (Trace.wants); by default, all of them. */
export function createTracer(
  transport: TransportInfo,
  sink: (event: SocketEvent) => void,
  wants: (call: EventName) => boolean = () => true,
  /** Whether the sink shows when calls were made: where not, every time is 0 (Trace.now()). */
  timed = true,
): Trace {
  // performance.now() is a monotonic clock with sub-microsecond resolution, and far cheaper per call
  // than process.hrtime.bigint(): a busy server stamps several calls per session.
  const start = performance.now();
  const origin = originAt(start);
  const { name, family, type } = transport;
  const now = timed ? () => Math.round((performance.now() - start) * 1000) : () => 0;
  // A server's records name the same local address every time, and a session's the same peer in
  // each of its records: the last of each is escaped once, not once a record.
  const local = lastEscaped();
  const remote = lastEscaped();
  // Every event is built with the same fields in the same order: one object shape for all of them
  // keeps V8's property access fast in every view, where spreading records of a dozen shapes did not.
  const stamp = (record: CallRecord): SocketEvent => ({
    t: record.t ?? now(),
    transport: name,
    family,
    type,
    side: record.side,
    session: record.session,
    call: record.call,
    inferred: record.inferred,
    via: record.via,
    // Addresses, and what is said about them, may come from a peer (a unix socket's path): escaped.
    local: record.local && local(record.local),
    remote: record.remote && remote(record.remote),
    bytes: record.bytes,
    preview: record.preview,
    detail: record.detail && printable(record.detail),
    discarded: record.discarded,
    refusal: record.refusal,
    errno: record.errno,
    message: record.message && printable(record.message),
    rule: record.rule,
    requested: record.requested,
  });
  return Object.assign((record: CallRecord) => sink(stamp(record)), { now, wants, origin });
}

/** printable(), remembering the last text it escaped and what that became. */
function lastEscaped(): (text: string) => string {
  let last = "";
  let escaped = "";
  return (text) => {
    if (text !== last) {
      last = text;
      escaped = printable(text);
    }
    return escaped;
  };
}
