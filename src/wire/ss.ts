// The sockets in TIME_WAIT on a port, as `ss` lists them. No tracepoint shows TIME_WAIT: the kernel
// hands the closing socket's place to a small timewait socket, and inet_sock_set_state only says that
// the full socket went to CLOSE. ss reads the kernel's socket tables (sock_diag), timewait sockets too.
import { spawnSync } from "node:child_process";
import { findProgram } from "../tools.js";

export interface TimeWait {
  local: string;
  remote: string;
}

/** The TCP sockets in TIME_WAIT with `port` at either end; none when ss is not installed. */
export function timeWaitOn(port: number): TimeWait[] {
  const ss = findProgram("ss");
  if (!ss) return [];
  const filter = `( sport = :${port} or dport = :${port} )`;
  const listed = spawnSync(ss, ["-Htn", "state", "time-wait", filter], { encoding: "utf8" });
  return listed.stdout.split("\n").flatMap((line) => {
    const [, , local, remote] = line.trim().split(/\s+/);
    return local && remote ? [{ local, remote }] : [];
  });
}
