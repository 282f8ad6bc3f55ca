// How the transports report the calls that set a socket up. Node folds several socket calls into
// one API (server.listen() is socket + bind + listen), so one helper says it the same way for all.
import type { OpError } from "../errors.js";
import type { CallRecord, Side, Trace } from "../trace/events.js";

/**
 * socket(), bind() and listen(), all made inside one Node call. `requested` is what bind() was given
 * when the socket ended up at another `local`: port 0, or a private name later linked into place.
 */
export function traceListen(
  trace: Trace,
  via: string,
  local: string,
  socketVia = via,
  bind: { requested?: string; detail?: string } = {},
): void {
  const { requested, detail } = bind;
  trace({ side: "server", call: "socket", inferred: true, via: socketVia });
  trace({ side: "server", call: "bind", inferred: true, via, local, requested, detail });
  trace({ side: "server", call: "listen", inferred: true, via, local, detail: "backlog 4096" });
}

/**
 * A setup call that failed. Where one Node call made several socket calls and `call` is not given,
 * the errno says which failed: bind() reports a taken, forbidden or unreachable address.
 */
export function traceSetupFailure(
  trace: Trace,
  err: OpError,
  record: Omit<CallRecord, "call"> & { call?: CallRecord["call"] },
): void {
  const bindErrors = ["EADDRINUSE", "EACCES", "EADDRNOTAVAIL", "ENAMETOOLONG", "ENOENT"];
  const call = record.call ?? (bindErrors.includes(err.code) ? "bind" : "listen");
  trace({ ...record, call, errno: err.code, message: err.message });
}

/** What the bind event says when the file was placed by socket-file.ts. */
export function placedDetail(boundAs: string): string {
  return `bound as ${boundAs} in a private 0700 dir, then linked into place`;
}

export function traceClose(trace: Trace, side: Side, via: string, local: string): void {
  trace({ side, call: "close", inferred: false, via, local });
}
