// How many connections this process can hold open, from its file descriptor limit (RLIMIT_NOFILE,
// `ulimit -n`). Every accepted connection is one descriptor. A server whose connection cap is above
// what the limit allows runs out first, and then accept() fails with EMFILE: libuv accepts and drops
// the extras without a word (node:net), and the seqpacket listener can only pause and try again.
// So the cap must fit under the limit, with room for the busy replies and the files a server opens.
import { readdirSync, readFileSync } from "node:fs";

/** Descriptors kept free beyond the connections: busy replies in flight, logs, the lock, DNS. */
export const FD_ROOM = 64;

export interface FdBudget {
  /** The soft limit on open files (Node raises it to the hard limit when it starts). */
  limit: number;
  /** Descriptors open now: stdio, the event loop's own, the listening socket. */
  inUse: number;
  /** Connections that fit: limit - inUse - FD_ROOM, at least 1. */
  connections: number;
}

/** Read from /proc (Linux); undefined when it cannot be read or there is no limit. */
export function fdBudget(): FdBudget | undefined {
  try {
    const row = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((line) => line.startsWith("Max open files"));
    const limit = Number(row?.split(/\s{2,}/)[1]);
    if (!Number.isInteger(limit)) return undefined; // "unlimited"
    const inUse = readdirSync("/proc/self/fd").length;
    return { limit, inUse, connections: Math.max(1, limit - inUse - FD_ROOM) };
  } catch {
    return undefined;
  }
}
