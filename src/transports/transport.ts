// The one interface every transport implements. The protocol (src/protocol/) sees only these types,
// never a family, a port or a path: addresses are opaque strings it prints.
//
// There are two shapes, because the kernel has two: connection-oriented sockets (SOCK_STREAM,
// SOCK_SEQPACKET) have listen()/accept()/connect() and a socket per peer; datagram sockets (SOCK_DGRAM)
// have one socket that names or learns the peer on every sendto()/recvfrom().
import type { OpError } from "../errors.js";
import type { Side, Trace } from "../trace/events.js";
import type { TransportInfo } from "./facts.js";

export type { Family, SocketType, TransportInfo, TransportName } from "./facts.js";
export type { Side };

/** Handlers a connection calls; each at most once except data. */
export interface ConnectionHandlers {
  data(chunk: Buffer): void;
  /** The peer shut down its writing side (read() returned 0). */
  end(): void;
  /** The socket is gone; err is set when it went by error. Called exactly once. */
  close(err?: OpError): void;
}

/** Told once the writes the kernel did not take at once have gone, or with the error. */
export interface WriteWaiter {
  written(err?: OpError): void;
}

/** One connected socket: an accepted one on the server, or the client's. */
export interface Connection {
  readonly local: string;
  readonly remote: string;
  /** Called once, by whoever serves or drives the connection. */
  setHandlers(handlers: ConnectionHandlers): void;
  /** Resolves once the bytes are handed to the kernel. */
  write(data: Buffer): Promise<void>;
  /**
   * write() for a caller that keeps no promise: true when the kernel took all of `data` at once, as
   * it does with a short reply to a peer that reads. Otherwise the bytes wait their turn, or the
   * write failed, and whenWritten() says when. A busy server writes twice a session, and a promise or
   * a callback for each was a measurable part of a short session's cost.
   */
  writeNow(data: Buffer): boolean;
  /** After a writeNow() that returned false: `waiter` hears later (never before this returns). */
  whenWritten(waiter: WriteWaiter): void;
  /**
   * shutdown(SHUT_WR) once everything written is flushed; the socket closes when both sides are
   * done. Returns what made the call (the trace's `via`): "socket.end()", say.
   */
  end(): string;
  /** Close now, dropping anything unsent. */
  destroy(): void;
}

export interface Listener {
  /** The address actually bound (the port the kernel chose for port 0). */
  readonly address: string;
  /** Stop accepting; resolves when the listening socket is closed and its socket file removed. */
  close(): Promise<void>;
}

/** How a long-running server binds a unix path: see socket-file.ts. Ignored for inet addresses. */
export interface ListenOptions {
  /** Bind privately with this mode, replace a stale file, never a live one, and remove only our own. */
  socketFile?: { mode: number };
}

// Every call below reports the socket calls it makes (socket, bind, listen, connect, close) to `trace`,
// marking those Node makes without naming them as inferred; the protocol reports the rest.
export interface ConnectionTransport extends TransportInfo {
  readonly kind: "connection";
  listen(
    address: string,
    onConnection: (connection: Connection) => void,
    trace: Trace,
    options?: ListenOptions,
  ): Promise<Listener>;
  /** `signal` gives up a connect() still in progress (a deadline ran out): the socket is destroyed. */
  dial(address: string, trace: Trace, signal?: AbortSignal): Promise<Connection>;
}

export interface DatagramHandlers {
  /**
   * A datagram. `cut` is set where it arrived longer than `data`: the kernel cut it to the transport's
   * read buffer and said so (MSG_TRUNC; unix-dgram reads 256 KiB of one).
   */
  message(data: Buffer, from: string, cut?: boolean): void;
  /** An asynchronous error on the socket (an ICMP error, say); the socket stays usable. */
  error(err: OpError): void;
}

export interface DatagramSocket {
  /** The bound address, or "" for a socket that was never bound. */
  readonly local: string;
  /** connect()ed to one peer: it sends with send() and receives with recv(), not sendto()/recvfrom(). */
  readonly connected: boolean;
  setHandlers(handlers: DatagramHandlers): void;
  send(data: Buffer, to: string): Promise<void>;
  /** Close the socket and remove any socket file this socket created. */
  close(): Promise<void>;
}

export interface DatagramTransport extends TransportInfo {
  readonly kind: "datagram";
  /** A server's socket, bound to a known address. */
  bind(address: string, trace: Trace, options?: ListenOptions): Promise<DatagramSocket>;
  /**
   * A client's socket for talking to `server`. UDP connect()s it (which binds an ephemeral port and
   * filters what arrives); a unix datagram client must bind a path of its own or it cannot be
   * answered, so the transport binds one in a private temp dir and removes it on close().
   */
  open(server: string, trace: Trace): Promise<DatagramSocket>;
}

export type Transport = ConnectionTransport | DatagramTransport;
