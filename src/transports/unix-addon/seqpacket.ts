// SOCK_SEQPACKET on the addon: a listener, a connect(), and the connected socket seen through the
// Connection interface. Records in, records out; errors are the kernel's (ECONNRESET when the peer
// closed with our data unread, EPIPE, EMSGSIZE), and close() is safe from inside any handler.
import { OpError } from "../../errors.js";
import type { Connection, ConnectionHandlers, WriteWaiter } from "../transport.js";
import { addonError, type ErrorContext, newSocket, statusError } from "./errors.js";
import { kernelName } from "./names.js";
import { loadNative, type UnixSocket } from "./native.js";
import { Watch } from "./watch.js";

/**
 * How much of one record is read. A record may be as long as the sender's SO_SNDBUF allows (212,992
 * bytes by default); a longer one is cut by the kernel (MSG_TRUNC), which ends the connection.
 */
const READ_SIZE = 262_144;
/** Records read (or connections accepted) per readable event before the loop gets its turn again. */
const BATCH = 64;
/** accept() failing for want of descriptors (EMFILE, ENFILE) is retried after this, not at once. */
const ACCEPT_PAUSE_MS = 100;

/** Bind and listen; throws an OpError. close() stops accepting and keeps accepted connections. */
export function listenSeqpacket(
  kernelPath: string,
  context: ErrorContext,
  onConnection: (connection: Connection) => void,
): { close(): void } {
  const server = newSocket("SOCK_SEQPACKET", context);
  try {
    server.bind(kernelName(kernelPath));
    // 4096: ask for a deep accept queue; the kernel caps it at net.core.somaxconn.
    server.listen(4096);
  } catch (err) {
    server.close();
    throw addonError(err, (err as NodeJS.ErrnoException).syscall === "listen" ? "listen" : "bind", context);
  }
  let paused: NodeJS.Timeout | undefined;
  const watch = new Watch(server, () => {
    for (let n = 0; n < BATCH; n++) {
      let accepted: UnixSocket | null;
      try {
        accepted = server.accept();
      } catch {
        // Out of descriptors, say: the connection stays queued, and a level-triggered poll would call
        // again at once, spinning. Listen again a little later.
        watch.readable(false);
        paused = setTimeout(() => watch.readable(true), ACCEPT_PAUSE_MS);
        return;
      }
      if (accepted === null) return;
      // A connecting unix client is unnamed unless it bound a name first, which ours never do.
      onConnection(new SeqpacketConnection(accepted, context.address, "", context));
    }
  });
  watch.readable(true);
  return {
    close: () => {
      clearTimeout(paused);
      server.close();
    },
  };
}

/** Connect; resolves once connected (at once on AF_UNIX), rejects with the kernel's errno. */
export async function connectSeqpacket(kernelPath: string, context: ErrorContext): Promise<Connection> {
  const socket = newSocket("SOCK_SEQPACKET", context);
  try {
    socket.connect(kernelName(kernelPath));
  } catch (err) {
    socket.close();
    throw addonError(err, "connect", context);
  }
  // The local side stays unnamed: connect() does not bind a unix socket (no autobind either).
  return new SeqpacketConnection(socket, "", context.address, context);
}

interface Write {
  readonly data: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: OpError) => void;
}

/** A connected SOCK_SEQPACKET socket seen through the Connection interface. */
class SeqpacketConnection implements Connection {
  readonly #socket: UnixSocket;
  readonly #watch: Watch;
  #handlers: ConnectionHandlers | undefined;
  /** Events that came before setHandlers() (a failed write's close), as a paused net.Socket keeps them. */
  #early: ((h: ConnectionHandlers) => void)[] = [];
  /** Writes the kernel has not taken yet (EAGAIN: the send buffer is full), in order. */
  #writes: Write[] = [];
  /** The latest writeNow(), for whenWritten(). */
  #lastWrite: Promise<void> | undefined;
  #peerEnded = false;
  #shut = false; // end() or destroy() called: no more writes
  #shutDown = false; // shutdown(SHUT_WR) made
  #closed = false;

  constructor(
    socket: UnixSocket,
    readonly local: string,
    readonly remote: string,
    private readonly context: ErrorContext,
  ) {
    this.#socket = socket;
    this.#watch = new Watch(socket, (status, readable, writable) =>
      this.#onEvent(status, readable, writable),
    );
  }

  /** Reading starts here: until then the kernel holds what arrives, as a paused socket would. */
  setHandlers(handlers: ConnectionHandlers): void {
    this.#handlers = handlers;
    for (const event of this.#early.splice(0)) event(handlers);
    if (!this.#closed && !this.#peerEnded) this.#watch.readable(true);
  }

  #onEvent(status: number, readable: boolean, writable: boolean): void {
    if (status < 0) {
      this.#close(statusError(status, this.#writes.length > 0 ? "send" : "recv", this.context));
      return;
    }
    if (writable) this.#flush();
    if (readable) this.#read();
  }

  #read(): void {
    for (let n = 0; n < BATCH && !this.#closed && !this.#peerEnded; n++) {
      let got: ReturnType<UnixSocket["recv"]>;
      try {
        // fds false: a peer's SCM_RIGHTS would otherwise use up our descriptors, unread and unclosed.
        got = this.#socket.recv(READ_SIZE, false);
      } catch (err) {
        this.#close(addonError(err, "recv", this.context));
        return;
      }
      if (got === null) return;
      if (got.length === 0 && got.hangup) {
        this.#onPeerEnd();
        return;
      }
      if (got.flags & loadNative().constants.MSG_TRUNC) {
        // The kernel cut the record (MSG_TRUNC) and dropped its tail: handing on the head as if it
        // were the whole record would be a lie, and the connection cannot go on one record short.
        const hint = `a ${got.length}-byte record arrived, and only ${READ_SIZE} bytes of one are read: the kernel cut it (MSG_TRUNC)`;
        this.#close(new OpError("recv", this.context.transport, this.context.address, "EMSGSIZE", hint));
        return;
      }
      // An empty record is a record: the kernel tells it from end-of-file (hangup false).
      this.#deliver((h) => h.data(got.data));
    }
  }

  #onPeerEnd(): void {
    this.#peerEnded = true;
    this.#watch.readable(false); // end-of-file stays readable: polling it would spin
    this.#deliver((h) => h.end());
    this.#closeIfDone();
  }

  writeNow(data: Buffer): boolean {
    const refused = this.#closed || this.#shut; // write() refuses it at once
    const written = this.write(data);
    written.catch(() => {}); // whenWritten() and the connection's close report a failure
    this.#lastWrite = written;
    // write() sends at once when nothing waits before it: taken whole if nothing waits now either.
    return !refused && this.#writes.length === 0 && !this.#closed;
  }

  whenWritten(waiter: WriteWaiter): void {
    // Writes leave in order: once the last has, all have.
    (this.#lastWrite ?? Promise.resolve()).then(
      () => waiter.written(),
      (err: OpError) => waiter.written(err),
    );
  }

  write(data: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(this.#lost("the connection is already closed"));
    if (this.#shut) return Promise.reject(this.#lost("this side already shut down writing", "EPIPE"));
    return new Promise((resolve, reject) => {
      this.#writes.push({ data, resolve, reject });
      if (this.#writes.length === 1) this.#flush();
    });
  }

  /** Hand the kernel what waits, in order, until it says EAGAIN (then wait for writable). */
  #flush(): void {
    while (this.#writes.length > 0 && !this.#closed) {
      const next = this.#writes[0] as Write;
      let sent: number;
      try {
        sent = this.#socket.send(next.data);
      } catch (err) {
        // A failed write (EMSGSIZE, EPIPE) ends the connection, not just that write.
        this.#writes.shift();
        const error = addonError(err, "send", this.context);
        next.reject(error);
        this.#close(error);
        return;
      }
      if (sent < 0) {
        this.#watch.writable(true);
        return;
      }
      this.#writes.shift();
      next.resolve();
    }
    this.#watch.writable(false);
    if (this.#shut && !this.#shutDown && !this.#closed) this.#shutdown();
  }

  /** shutdown(SHUT_WR) once every write before it has left, as the Connection interface promises. */
  end(): string {
    if (!this.#shut) {
      this.#shut = true;
      if (this.#writes.length === 0) this.#shutdown();
    }
    return "socket.shutdown()";
  }

  #shutdown(): void {
    this.#shutDown = true;
    try {
      this.#socket.shutdown(loadNative().constants.SHUT_WR);
    } catch (err) {
      // ENOTCONN: the peer is gone already; the connection ends as closed.
      this.#close(addonError(err, "close", this.context));
      return;
    }
    this.#closeIfDone();
  }

  /** Both sides shut down: nothing more can pass, so the socket closes, as a stream's does. */
  #closeIfDone(): void {
    if (this.#peerEnded && this.#shutDown) this.#close();
  }

  destroy(): void {
    this.#shut = true;
    this.#close();
  }

  #close(error?: OpError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    for (const write of this.#writes.splice(0))
      write.reject(error ?? this.#lost("the connection closed before this write left"));
    // After the caller's own call has returned, as net.Socket's 'close' comes.
    process.nextTick(() => this.#deliver((h) => h.close(error)));
  }

  #deliver(event: (h: ConnectionHandlers) => void): void {
    if (this.#handlers) event(this.#handlers);
    else this.#early.push(event);
  }

  #lost(hint: string, code = "EBADF"): OpError {
    return new OpError("send", this.context.transport, this.remote || this.local, code, hint);
  }
}
