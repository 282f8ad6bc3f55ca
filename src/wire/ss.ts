// The sockets in TIME_WAIT on a port, as `ss` lists them. No tracepoint shows TIME_WAIT: the kernel
// hands the closing socket's place to a small timewait socket, and inet_sock_set_state only says that
// the full socket went to CLOSE. ss reads the kernel's socket tables (sock_diag), timewait sockets too.
import { ss } from "../experiments/kit/ss.js";

export interface TimeWait {
  local: string;
  remote: string;
}

/**
 * The TCP sockets in TIME_WAIT with `port` at either end, in this network namespace or the one named
 * `netns` (ss -N); none when ss is not installed.
 */
export async function timeWaitOn(port: number, netns?: string): Promise<TimeWait[]> {
  const where = netns === undefined ? [] : ["-N", netns];
  const lines = await ss([...where, "-tn", "state", "time-wait", `( sport = :${port} or dport = :${port} )`]);
  return lines.flatMap((line) => {
    // "0 0 127.0.0.1:52260 127.0.0.1:45681"; ss's own line when it is missing has no such shape.
    const [recvQ, , local, remote] = line.split(" ");
    return /^\d+$/.test(recvQ ?? "") && local && remote ? [{ local, remote }] : [];
  });
}
