// Which fds in the strace log are this transport's sockets, and whose. Node opens many fds of its own
// (files, pipes, epoll, eventfds, a netlink socket in os.networkInterfaces()), and an fd number is
// reused as soon as it is closed, so a socket here is one fd's life: from the socket() or accept4()
// that returned it to its close(). Only sockets of the transport's family and type count.
//
// Whose it is comes from what it did, never from its number or its place in the log:
//   listen()ed, or bound to the server's address   -> the server's socket
//   returned by accept() on the server's socket     -> the server's session 1, 2, ... in that order
//   connect()ed, or bound to the client's address   -> the client's (unix-dgram binds a temp path)
import type { SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import { fdAnnotation, fdArgument, localAddress, type Syscall } from "./parse.js";

export type Role = "server" | "session" | "client" | "unknown";

export interface TracedSocket {
  fd: number;
  role: Role;
  /** For a session: 1 for the first socket accept() returned, and so on. */
  session?: number;
  /** Every call on this fd in its life, starting with the one that made it. */
  calls: Syscall[];
  /** Addresses the socket had: bind()'s, and the local half of each -yy annotation. */
  addresses: Set<string>;
  /** The listening socket that accept() returned it from. */
  acceptedFrom?: TracedSocket;
}

const ACCEPTS = new Set(["accept", "accept4"]);

export function findSockets(
  calls: readonly Syscall[],
  transport: TransportInfo,
  events: readonly SocketEvent[],
): TracedSocket[] {
  const sockets: TracedSocket[] = [];
  const open = new Map<number, TracedSocket>();
  const begin = (fd: number, call: Syscall, acceptedFrom?: TracedSocket) => {
    const socket: TracedSocket = { fd, role: "unknown", calls: [call], addresses: new Set(), acceptedFrom };
    remember(socket, annotated(call.resultNote));
    sockets.push(socket);
    open.set(fd, socket);
  };

  for (const call of calls) {
    const made = call.errno === undefined ? call.result : undefined;
    if (call.name === "socket" && made !== undefined) {
      open.delete(made);
      if (isTransportSocket(call, transport)) begin(made, call);
      continue;
    }
    const fd = fdArgument(call);
    const socket = fd === undefined ? undefined : open.get(fd);
    if (ACCEPTS.has(call.name) && made !== undefined) {
      open.delete(made);
      if (socket) begin(made, call, socket);
      continue;
    }
    if (!socket || fd === undefined) continue;
    socket.calls.push(call);
    remember(socket, annotated(fdAnnotation(call)));
    if (call.name === "bind" || call.name === "getsockname") remember(socket, sockaddrIn(call.args));
    if (call.name === "close") open.delete(fd);
  }
  assignRoles(sockets, transport, events);
  return sockets;
}

function remember(socket: TracedSocket, address: string | undefined): void {
  if (address !== undefined) socket.addresses.add(address);
}

function annotated(annotation: string | undefined): string | undefined {
  return annotation === undefined ? undefined : localAddress(annotation);
}

/** `socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP)` for tcp4, and so on. */
function isTransportSocket(call: Syscall, transport: TransportInfo): boolean {
  const [family, type = ""] = call.args.split(", ");
  return family === transport.cFamily && type.split("|")[0] === transport.cType;
}

/**
 * The address in a sockaddr strace wrote (a bind(), a getsockname(), a whole line), as SocketEvents
 * write it: `127.0.0.1:34755`, `[::1]:33793`, a path, `@name` (its NUL padding left out). Port 0 is no
 * address yet, unless `portZero` (what a bind() to any port was given). -yy says the same after the
 * call; this is for a kernel that will not tell strace (no sock_diag).
 */
export function sockaddrIn(text: string, options: { portZero?: boolean } = {}): string | undefined {
  const unix = /sun_path=(@?)"((?:[^"\\]|\\.)*)"/.exec(text);
  if (unix) return `${unix[1]}${(unix[2] as string).replace(/(\\0)+$/, "")}`;
  const counts = (port: string) => options.portZero || port !== "0";
  const inet = /sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/.exec(text);
  if (inet && counts(inet[1] as string)) return `${inet[2]}:${inet[1]}`;
  const inet6 = /sin6_port=htons\((\d+)\),.*inet_pton\(AF_INET6, "([^"]+)"/.exec(text);
  if (inet6 && counts(inet6[1] as string)) return `[${inet6[2]}]:${inet6[1]}`;
  return undefined;
}

function assignRoles(
  sockets: TracedSocket[],
  transport: TransportInfo,
  events: readonly SocketEvent[],
): void {
  const addressesOf = (side: "server" | "client") =>
    new Set(events.filter((e) => e.side === side && e.call === "bind" && e.local).map((e) => e.local));
  const serverAddresses = addressesOf("server");
  const clientAddresses = addressesOf("client");
  const did = (s: TracedSocket, name: string) => s.calls.some((c) => c.name === name);
  const hasAny = (s: TracedSocket, addresses: Set<string | undefined>) =>
    [...s.addresses].some((a) => addresses.has(a));

  let session = 0;
  for (const s of sockets) {
    if (s.acceptedFrom) {
      if (s.acceptedFrom.role === "server") Object.assign(s, { role: "session", session: ++session });
    } else if ((transport.connectionOriented && did(s, "listen")) || hasAny(s, serverAddresses)) {
      s.role = "server";
    } else if (did(s, "connect") || hasAny(s, clientAddresses)) {
      s.role = "client";
    }
  }
}
