// One error shape for every failure, built like Go's net.OpError: which call, which transport, which
// address, and the errno the kernel gave, plus what it means here and how to fix it. The CLI prints
// `message` as one line; nothing else ever reaches the user.
import { dirname } from "node:path";
import type { TransportName } from "./transports/facts.js";

export type Op = "socket" | "bind" | "listen" | "accept" | "connect" | "send" | "recv" | "close";

export class OpError extends Error {
  constructor(
    readonly op: Op,
    readonly transport: TransportName,
    readonly address: string,
    /**
     * errno name (ECONNREFUSED), or ETIMEDOUT for our own timeouts; for what the server did rather
     * than a failed call: EOF (it closed before a reply), EBUSY (turned away), EPROTO (not the ack).
     */
    readonly code: string,
    readonly hint: string = hintFor(code, op, transport, address),
    options?: { cause?: unknown },
  ) {
    super(`${op} ${code} ${address}${hint ? `: ${hint}` : ""}`, options);
    this.name = "OpError";
  }
}

/**
 * The playground stopped waiting at a deadline of its own (--timeout, the server's send timeout): no
 * call failed with ETIMEDOUT, and the trace draws it as the playground giving up, not as the kernel's
 * answer (a connect() still in progress, a recv() still waiting).
 */
export class DeadlineError extends OpError {
  constructor(op: Op, transport: TransportName, address: string, hint: string) {
    super(op, transport, address, "ETIMEDOUT", hint);
    this.name = "DeadlineError";
  }
}

/** A bad command line: exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * What was asked needs something this machine or user lacks (root, a program, a kernel feature): one
 * line that says which and how to fix it, exit code 2 like a usage error, without the --help pointer.
 */
export class SetupError extends Error {
  override name = "SetupError";
}

/** What an errno means to someone running the playground, with a fix for this family's addresses. */
function hintFor(code: string, op: Op, transport: TransportName, address: string): string {
  const unix = transport.startsWith("unix");
  const setup = op === "bind" || op === "listen";
  switch (code) {
    case "ECONNREFUSED":
      return refusedHint(transport, address);
    case "ENOENT":
      return setup
        ? "the directory for this path does not exist — create it, or choose another --path"
        : `no socket file at this path — start \`${serverCommand(transport, address)}\` first`;
    case "ENOTDIR":
      return "a part of this path is not a directory — choose another --path";
    case "EADDRINUSE":
      return unix
        ? "a socket file is already at this path — stop the server using it, remove the file if none does (a crashed server leaves one), or choose another --path"
        : "another socket is already bound to this port — stop its server, or choose another --port";
    case "EPROTOTYPE":
      return "the socket at this path is of another type — use the --type (or --transport) its server uses";
    case "EAGAIN":
      return "the server's queue of connections waiting for accept() is full — try again in a moment";
    case "EADDRNOTAVAIL":
      return "that address is not on this machine — use 127.0.0.1 or ::1";
    case "EACCES":
    case "EPERM":
      return permissionHint(unix, setup, address);
    case "EROFS":
      return "that file system is read-only — choose a --path on another, such as under /tmp";
    case "ECONNRESET":
      return "the peer reset the connection (it closed with unread data, or was killed)";
    case "EPIPE":
      return "the peer has closed the connection, so there is no one to write to";
    case "ETIMEDOUT":
      return "no answer in time — is a playground server running at that address?";
    case "EMSGSIZE":
      return "the message is larger than one datagram can carry";
    case "ENAMETOOLONG":
      return "a unix socket path holds at most 107 bytes — use a shorter path";
    case "EAFNOSUPPORT":
      return "this machine has no IPv6 — use --family inet";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "no route to that host";
    default:
      return "";
  }
}

/**
 * Refused: on this machine's loopback, nothing listens there. Elsewhere a firewall's reject looks the
 * same (a TCP reset, an ICMP port unreachable), and an abstract name is looked up only in the caller's
 * own network namespace (unix(7)), so the fix is not always to start a server.
 */
function refusedHint(transport: TransportName, address: string): string {
  const start = `start \`${serverCommand(transport, address)}\` first`;
  if (address.startsWith("@")) {
    return `no socket holds that abstract name in this network namespace — ${start}, in the same namespace`;
  }
  if (transport.startsWith("unix") || /^(127\.|\[::1\]|localhost)/.test(address)) {
    return `nothing is listening there — ${start}`;
  }
  return `nothing is listening on that port there, or a firewall rejected it — is \`${serverCommand(transport, address)}\` running there?`;
}

/** Permission denied means a directory or file mode for a path, and privileges for a port. */
function permissionHint(unix: boolean, setup: boolean, address: string): string {
  if (unix && setup) {
    return `this user may not make a file in ${dirname(address)} — choose a --path in a directory you can write to`;
  }
  if (unix) {
    return "this user may not connect to this socket file — its mode (the server's --mode) or a directory on the way keeps others out";
  }
  if (setup) return "a port below 1024 needs privileges — choose --port 1024 or above";
  return "the kernel refused the packet (a firewall rule, or a broadcast address)";
}

/** The command that would serve this address: the defaults (tcp4 on 127.0.0.1:1234) need no flags. */
function serverCommand(transport: TransportName, address: string): string {
  const flags = transport === "tcp4" ? [] : [`--transport ${transport}`];
  if (transport.startsWith("unix")) flags.push(`--path ${address}`);
  else {
    const match = /^\[?(.*?)\]?:(\d+)$/.exec(address);
    const [host, port] = [match?.[1], match?.[2]];
    if (host && host !== "127.0.0.1" && host !== "::1") flags.push(`--host ${host}`);
    if (port && port !== "1234") flags.push(`--port ${port}`);
  }
  return ["playground server", ...flags].join(" ");
}

/** Wrap whatever a Node or addon call threw into an OpError, keeping its errno name. */
export function toOpError(err: unknown, op: Op, transport: TransportName, address: string): OpError {
  if (err instanceof OpError) return err;
  const code = (err as { code?: unknown })?.code;
  return new OpError(op, transport, address, typeof code === "string" && code ? code : "EIO", undefined, {
    cause: err,
  });
}
