// Each ladder step (SocketEvent) gets the system calls that made it. A step belongs to one socket (the
// client's; the server's; or session N's), and each of its calls to one step:
//
//   socket()  socket              send, sendto   write writev send sendto sendmsg sendmmsg
//   bind()    bind                recv, recvfrom read readv recv recvfrom recvmsg recvmmsg  (> 0 bytes)
//   listen()  listen              recv() = 0     the same calls, returning 0
//   accept()  accept4, accept     shutdown()     shutdown
//   connect() connect             close()        close
//
// taken in order, a send or recv preferring the next call of its size. A call no step names
// (setsockopt, getsockname, a second write) is shown under the step before it on the same socket: it is
// part of what Node did there. Calls that returned EAGAIN did nothing and are only counted.
import { hasSyscalls, inTimeOrder, type SocketCall, type SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import type { Syscall } from "./parse.js";
import type { TracedSocket } from "./sockets.js";

type Step =
  | "socket"
  | "bind"
  | "listen"
  | "accept"
  | "connect"
  | "send"
  | "recv"
  | "eof"
  | "shutdown"
  | "close";

const STEP_OF_CALL: Record<string, Step> = {
  socket: "socket",
  bind: "bind",
  listen: "listen",
  accept: "accept",
  accept4: "accept",
  connect: "connect",
  write: "send",
  writev: "send",
  send: "send",
  sendto: "send",
  sendmsg: "send",
  sendmmsg: "send",
  read: "recv",
  readv: "recv",
  recv: "recv",
  recvfrom: "recv",
  recvmsg: "recv",
  recvmmsg: "recv",
  shutdown: "shutdown",
  close: "close",
};

const STEP_OF_EVENT: Record<SocketCall | "eof", Step> = {
  socket: "socket",
  bind: "bind",
  listen: "listen",
  accept: "accept",
  connect: "connect",
  send: "send",
  sendto: "send",
  recv: "recv",
  recvfrom: "recv",
  shutdown: "shutdown",
  close: "close",
  // Not a call: Node's 'end' event. A read() that returned 0 is shown under it when there was one.
  eof: "eof",
};

/** A call shown under a step, with the fd of the socket it made or acted on. */
export interface Placed {
  fd: number;
  call: Syscall;
}

export interface KernelView {
  /** The calls shown under each step, in the order they were made. */
  calls: Map<SocketEvent, Placed[]>;
  sockets: TracedSocket[];
  /** Calls on these sockets that returned EAGAIN: nothing was there yet. */
  wouldBlock: Syscall[];
  /** Calls on sockets of this family and type that belong to no step's socket. */
  unplaced: Placed[];
}

function wouldBlock(call: Syscall): boolean {
  return call.errno === "EAGAIN" || call.errno === "EWOULDBLOCK";
}

function stepOfCall(call: Syscall): Step | undefined {
  const step = STEP_OF_CALL[call.name];
  return step === "recv" && call.result === 0 ? "eof" : step;
}

/**
 * The step an event stands for; none for a happening no system call can back (a message's end, a
 * refusal). A read of 0 bytes, an empty datagram or record, is matched as a read that returned 0.
 */
function stepOfEvent(e: SocketEvent): Step | undefined {
  if (!hasSyscalls(e)) return undefined;
  const step = STEP_OF_EVENT[e.call as SocketCall | "eof"];
  return step === "recv" && e.bytes === 0 && !e.errno ? "eof" : step;
}

export function matchSyscalls(
  events: readonly SocketEvent[],
  sockets: TracedSocket[],
  transport: TransportInfo,
): KernelView {
  const view: KernelView = { calls: new Map(), sockets, wouldBlock: [], unplaced: [] };
  const client = sockets.find((s) => s.role === "client");
  const server = sockets.find((s) => s.role === "server");
  const socketOf = (e: SocketEvent) => {
    if (e.side === "client") return client;
    if (transport.connectionOriented && e.session !== undefined)
      return sockets.find((s) => s.role === "session" && s.session === e.session);
    return server;
  };

  // Only steps have system calls under them: a message's end or a refusal gets none.
  const ordered = inTimeOrder(events).filter((e) => stepOfEvent(e) !== undefined);
  for (const socket of sockets) {
    const own = ordered.filter((e) => socketOf(e) === socket);
    const stepFor = new Map<Syscall, SocketEvent>();
    const free = socket.calls.filter((c) => !wouldBlock(c));
    for (const e of own) {
      const step = stepOfEvent(e);
      const candidates = free.filter((c) => !stepFor.has(c) && stepOfCall(c) === step);
      const call = candidates.find((c) => e.bytes === undefined || c.result === e.bytes) ?? candidates[0];
      if (call) stepFor.set(call, e);
    }

    let current: SocketEvent | undefined = own[0];
    for (const call of socket.calls) {
      if (wouldBlock(call)) {
        view.wouldBlock.push(call);
        continue;
      }
      current = stepFor.get(call) ?? current;
      if (current === undefined) {
        view.unplaced.push({ fd: socket.fd, call });
        continue;
      }
      const shown = view.calls.get(current) ?? [];
      shown.push({ fd: socket.fd, call });
      view.calls.set(current, shown);
    }
  }
  return view;
}
