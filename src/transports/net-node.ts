// node:net glue shared by TCP and unix-stream: a net.Socket as a Connection, and listen()/connect()
// with their errors turned into OpErrors. Node folds socket(), bind() and listen() into one
// server.listen(), and accept() into the 'connection' event.
import net from "node:net";
import { DeadlineError, OpError, toOpError } from "../errors.js";
import { failureRecord, IN_PROGRESS, type Trace } from "../trace/events.js";
import { placedDetail, setupCallOf, traceClose, traceListen, traceSetupFailure } from "./setup-trace.js";
import type { Connection, ConnectionHandlers, Listener, TransportName, WriteWaiter } from "./transport.js";
// Straight from its file, not the folder's index: a TCP server need not load the dgram and seqpacket code.
import { peerNameOf, prepareNetCalls, shutdownWriteOf } from "./unix-addon/net-calls.js";

/** How often a write the kernel did not take at once is looked at again (whenWritten()). */
const WRITE_POLL_MS = 10;
/** What a waiting write is dropped with when its socket closes first (libuv's word for a cancelled write). */
const CANCELED = Object.assign(new Error("the socket was closed before this write went"), {
  code: "ECANCELED",
});

export function listenNet(
  name: TransportName,
  address: string,
  options: net.ListenOptions,
  onConnection: (connection: Connection) => void,
  describe: (bound: string | net.AddressInfo) => string,
  trace: Trace,
  /** Where the socket is really bound, when that is a private name later linked to `address`. */
  placedAt?: string,
): Promise<Listener> {
  const via = "server.listen()"; // one Node call for three socket calls
  return new Promise((resolve, reject) => {
    // allowHalfOpen: a peer that shuts down its write side after sending (nc -N, socat) must still
    // get our reply; without it Node ends our side as soon as the peer's FIN arrives.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    server.once("error", (err) => {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      const failure = toOpError(err, setupCallOf(code), name, address);
      trace({ side: "server", call: "socket", inferred: true, via });
      traceSetupFailure(trace, failure, { side: "server", inferred: true, via, local: address });
      reject(failure);
    });
    // 4096: ask for a deep accept queue; the kernel caps it at net.core.somaxconn.
    server.listen({ backlog: 4096, ...options }, () => {
      server.removeAllListeners("error");
      // Once listening, an error on the listening socket (EMFILE on accept, say) must not crash us.
      server.on("error", () => {});
      const bound = describe(server.address() as string | net.AddressInfo);
      // What bind() was given, where the socket ended up elsewhere: port 0, or a private name.
      const requested = placedAt ?? ("port" in options && options.port === 0 ? address : undefined);
      traceListen(trace, via, bound, via, { requested, detail: placedAt && placedDetail(placedAt) });
      // A server names its TCP peers and shuts its side through the addon (remoteOf(), end()):
      // loaded now, not in a session.
      prepareNetCalls();
      server.on("connection", (socket) => onConnection(netConnection(socket, name, bound)));
      // Closing twice closes once: a second server.close() would only fail.
      let closing: Promise<void> | undefined;
      const close = () =>
        (closing ??= new Promise<void>((done) => {
          traceClose(trace, "server", "server.close()", bound);
          server.close(() => done());
        }));
      resolve({ address: bound, close });
    });
  });
}

export function dialNet(
  name: TransportName,
  address: string,
  options: net.NetConnectOpts,
  trace: Trace,
): Promise<Connection> {
  const via = "net.connect()";
  prepareNetCalls(); // end() shuts through the addon: loaded now, not between a send and its answer
  return new Promise((resolve, reject) => {
    trace({ side: "client", call: "socket", inferred: true, via });
    const t = trace.now(); // connect() is made now and reported when Node says it finished
    const socket = net.connect({ ...options, allowHalfOpen: true, noDelay: true });
    const onError = (err: Error) => {
      // Given up at a deadline: the caller's reason (ETIMEDOUT) is the failure, not Node's ABORT_ERR.
      const reason = options.signal?.aborted ? options.signal.reason : undefined;
      const failure = toOpError(reason instanceof OpError ? reason : err, "connect", name, address);
      if (failure instanceof DeadlineError) {
        // connect() was made and was still in progress (the kernel retrying its SYN): the playground
        // stopped waiting, and no call returned ETIMEDOUT.
        const made = { side: "client", inferred: false, via, remote: address } as const;
        trace({ ...made, t, call: "connect", detail: IN_PROGRESS });
        trace({ ...made, ...failureRecord(failure, "connect") });
        reject(failure);
        return;
      }
      traceSetupFailure(trace, failure, {
        side: "client",
        call: "connect",
        inferred: false,
        via,
        remote: address,
      });
      reject(failure);
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.off("error", onError);
      const local = localOf(socket);
      trace({ t, side: "client", call: "connect", inferred: false, via, local, remote: address });
      resolve(netConnection(socket, name, local, address));
    });
  });
}

/**
 * What getpeername(2) answered for the last socket asked, where the addon is not there (remoteOf()):
 * one object, filled each time.
 */
const PEER = { address: "", family: "", port: 0 };

/** A TCP socket's handle (Node's TCPWrap), as far as remoteOf() uses it. */
interface PeerHandle {
  readonly fd: number;
  getpeername?(out: typeof PEER): number;
}

/**
 * The peer's address, "" where there is none to name (a unix client is unnamed; a peer that has
 * gone), from one getpeername(2) on the socket's handle. socket.remoteAddress makes the same call,
 * but keeps the answer on the socket in a property Node adds only then: every accepted socket
 * changed shape halfway through its life, and Node's stream code, which reads the socket on every
 * event, ran slower for it for the rest of the session (callgrind, the lab's client: about 12,000
 * instructions a session, some 7 % of what the server spends on one). On TCP the addon makes the
 * call, for an eighth of what the handle's own costs (unix-addon/net-calls.ts). A unix socket's
 * handle has no getpeername, and any other that lacks it gets Node's getters.
 */
function remoteOf(socket: net.Socket): string {
  const handle = (socket as unknown as { _handle?: PeerHandle | null })._handle;
  if (typeof handle?.getpeername !== "function") {
    const { remoteAddress: address, remotePort: port } = socket;
    return address === undefined ? "" : formatHostPort(address, port ?? 0);
  }
  const named = peerNameOf(handle.fd);
  if (named !== undefined) return named;
  return handle.getpeername(PEER) === 0 ? formatHostPort(PEER.address, PEER.port) : "";
}

function localOf(socket: net.Socket): string {
  if (socket.localAddress === undefined) return "";
  return formatHostPort(socket.localAddress, socket.localPort ?? 0);
}

function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A net.Socket seen through the Connection interface; an accepted one learns its peer when asked. */
export function netConnection(
  socket: net.Socket,
  name: TransportName,
  local: string,
  remote?: string,
): Connection {
  return new NetConnection(socket, name, local, remote);
}

/**
 * A class rather than a closure per method: a server holding thousands of connections keeps one
 * small object for each.
 */
class NetConnection implements Connection {
  private handlers: ConnectionHandlers | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** Told when the writes the kernel did not take at once have gone (whenWritten()). */
  private waiting: WriteWaiter[] | undefined;
  /** Whether end() shut our side through the addon: Node does not know, so the close is ours. */
  private shut = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly name: TransportName,
    readonly local: string,
    /** Unset on an accepted socket until asked: a server asks after its welcome is on its way. */
    private peer: string | undefined,
  ) {
    // Every socket has an error listener from its first moment: a reset from a peer must never crash us.
    socket.on("error", (err) => {
      this.failure = err;
    });
    socket.on("close", () => this.closedNow());
  }

  private closedNow(): void {
    this.closed = true;
    const { failure, waiting } = this;
    this.waiting = undefined;
    // Writes still waiting never went whole. Where a write(2) failed, that is said before the close,
    // as the kernel said it first. Otherwise (a reset seen by a read, our own destroy) they are
    // dropped with the socket, after the close.
    const writeFailed = failure !== undefined && opOf(failure) === "send";
    if (waiting && writeFailed) for (const waiter of waiting) waiter.written(this.sendError(failure));
    const remote = this.remote || this.local;
    const { handlers } = this;
    // Let go of the handlers (a server's session) at once. The closed socket, and all it reaches,
    // outlives the next young-generation GC and is copied to the old generation (measured: a session
    // reachable from here cost about 2,500 instructions more, BENCHMARKS.md).
    this.handlers = undefined;
    handlers?.close(failure ? toOpError(failure, opOf(failure), this.name, remote) : undefined);
    if (waiting && !writeFailed) for (const waiter of waiting) waiter.written(this.sendError(CANCELED));
  }

  get remote(): string {
    this.peer ??= remoteOf(this.socket);
    return this.peer;
  }

  setHandlers(h: ConnectionHandlers): void {
    if (this.handlers) throw new Error("setHandlers() called twice on one connection");
    this.handlers = h;
    // Through the field, which closedNow() clears, and not `h` itself, which they would keep.
    this.socket.on("data", (chunk: Buffer) => this.handlers?.data(chunk));
    this.socket.on("end", () => {
      this.handlers?.end();
      // Both sides are done: Node closes a socket it shut itself, and this one it did not.
      if (this.shut) this.socket.destroy();
    });
  }

  write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(data, (err) => (err ? reject(this.sendError(err)) : resolve())),
    );
  }

  writeNow(data: Buffer): boolean {
    // No callback: a write with one costs Node an object and a tick even when the kernel took the
    // bytes there and then; one without costs nothing.
    const { socket } = this;
    socket.write(data);
    return socket.writableLength === 0 && !socket.errored && !socket.destroyed;
  }

  /**
   * The rare write the kernel did not take whole (its send buffer full) or refused. Node says when
   * such a write has gone only to a callback writeNow() did not give, and asking with an empty write
   * would make a write() call of its own: so the socket is looked at again every few milliseconds
   * until nothing waits. The send timeout that guards it is measured in seconds. A socket that
   * closes first settles the waiters itself (closedNow()).
   */
  whenWritten(waiter: WriteWaiter): void {
    if (this.closed) {
      process.nextTick(() => waiter.written(this.sendError(CANCELED)));
      return;
    }
    if (this.waiting) {
      this.waiting.push(waiter);
      return;
    }
    this.waiting = [waiter];
    process.nextTick(() => this.look());
  }

  private look(): void {
    const { socket, waiting } = this;
    // Destroyed: Node may have let its waiting writes go without sending them, so only the close
    // says what became of them.
    if (!waiting || socket.destroyed) return;
    if (socket.writableLength > 0) {
      setTimeout(() => this.look(), WRITE_POLL_MS).unref();
      return;
    }
    this.waiting = undefined;
    for (const waiter of waiting) waiter.written();
  }

  private sendError(err: Error): OpError {
    if ((err as { code?: string }).code !== "ERR_STREAM_WRITE_AFTER_END")
      return toOpError(err, "send", this.name, this.remote);
    // Node refuses before any send(); the kernel would say EPIPE after shutdown(SHUT_WR) (send(2)).
    const hint = "this side has shut down its writing (end()); Node refused the write before any send()";
    return new OpError("send", this.name, this.remote, "EPIPE", hint, { cause: err });
  }

  /**
   * Our FIN, behind everything written. Where the kernel already has every byte (nearly always: a
   * short reply to a peer that reads), the addon makes the shutdown(2) now. Node's socket.end()
   * makes the same call one turn of the event loop later, after a request object, an epoll_ctl() for
   * POLLOUT and a callback through its stream code: about 9,000 instructions of the 150,000 a
   * session of the lab's client cost the server (callgrind, BENCHMARKS.md). Where bytes still wait,
   * where the addon is not there, or where the call fails (the peer has gone), Node's way.
   */
  end(): string {
    const { socket } = this;
    if (this.shut) return SHUT_BY_ADDON;
    // Nothing waits, in Node or in whenWritten(); Node's way was not taken already; and handlers are
    // set, so the 'end' listener (setHandlers()) is there to close the socket once the peer is done.
    // (closedNow() lets them go only once the socket is destroyed, which the last check sees.)
    const now =
      this.handlers !== undefined &&
      !this.waiting &&
      socket.writableLength === 0 &&
      !socket.writableEnded &&
      !socket.destroyed;
    const fd = now ? fdOf(socket) : -1;
    const failed = fd >= 0 ? shutdownWriteOf(fd) : undefined;
    if (failed === null) {
      // Node does not know: a later write reaches the kernel, which says EPIPE (not Node's
      // ERR_STREAM_WRITE_AFTER_END), and the close is ours.
      this.shut = true;
      // The peer had shut its side already: no 'end' is to come, and both sides are done now.
      if (socket.readableEnded) socket.destroy();
      return SHUT_BY_ADDON;
    }
    socket.end();
    // A failed call (the peer has gone: ENOTCONN) is said, as Node's own call will fail the same way.
    return failed ? `socket.end(), after the addon's shutdown() failed: ${failed}` : "socket.end()";
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** How end() names the call it made through the addon, for the trace. */
const SHUT_BY_ADDON = "shutdownWrite() (addon)";

/** The socket's descriptor, or -1 where it has none (closed, or not yet open). */
function fdOf(socket: net.Socket): number {
  return (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd ?? -1;
}

function opOf(err: Error): "send" | "recv" {
  const syscall = (err as { syscall?: string }).syscall ?? "";
  return syscall === "write" || syscall.startsWith("send") ? "send" : "recv";
}
