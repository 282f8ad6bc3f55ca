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
  const call = record.call ?? setupCallOf(err.code);
  trace({ ...record, call, errno: err.code, message: err.message });
}

const BIND_ERRORS = new Set([
  "EADDRINUSE",
  "EACCES",
  "EPERM",
  "EADDRNOTAVAIL",
  "ENAMETOOLONG",
  "ENOENT",
  "ENOTDIR",
  "EROFS",
]);

/**
 * Which of the calls inside one Node listen() failed, by its errno: bind() reports a taken, forbidden
 * or unreachable address. The error line and the ladder name the same call.
 */
export function setupCallOf(code: string): "bind" | "listen" {
  return BIND_ERRORS.has(code) ? "bind" : "listen";
}

/** What the bind event says when the file was placed by socket-file.ts. */
export function placedDetail(boundAs: string): string {
  return `bound as ${boundAs} in a private 0700 dir, then linked into place`;
}

export function traceClose(trace: Trace, side: Side, via: string, local: string): void {
  trace({ side, call: "close", inferred: false, via, local });
}
