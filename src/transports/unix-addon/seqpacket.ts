// SOCK_SEQPACKET from the library: a listener, a connect(), and its socket seen through the
// Connection interface with the sharp edges (library.ts) filed off.
import { OpError } from "../../errors.js";
import { setupCallOf } from "../setup-trace.js";
import type { Connection, ConnectionHandlers } from "../transport.js";
import { addonError, errnoOf, whyConnectFailed } from "./errors.js";
import { type Addon, type ErrorContext, load } from "./library.js";

/** Bind and listen; throws an OpError. close() stops accepting and keeps accepted connections. */
export function listenSeqpacket(
  kernelPath: string,
  context: ErrorContext,
  onConnection: (connection: Connection) => void,
): { close(): void } {
  const server = new (load(context).SeqpacketServer)();
  // Once listening, an error on the listening socket (EMFILE on accept, say) must not crash us.
  server.on("error", () => {});
  try {
    // 4096: ask for a deep accept queue; the kernel caps it at net.core.somaxconn.
    server.listen(kernelPath, 4096);
  } catch (err) {
    server.close();
    throw addonError(err, setupCallOf(errnoOf(err)), context);
  }
  // The library cannot say who connected, and there is nothing to say: a connecting unix client is
  // unnamed unless it bound a path first, which ours never do.
  server.on("connection", (socket: Addon.SeqpacketSocket) => {
    onConnection(new SeqpacketConnection(socket, context.address, "", context));
  });
  return { close: () => server.close() };
}

/** Connect; resolves once connected, rejects with an OpError saying what the kernel said. */
export function connectSeqpacket(kernelPath: string, context: ErrorContext): Promise<Connection> {
  const socket = new (load(context).SeqpacketSocket)();
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => reject(addonError(err, "connect", context));
    socket.on("error", fail);
    try {
      socket.connect(kernelPath, () => {
        // The local side stays unnamed: connect() does not bind a unix socket (no autobind either).
        resolve(new SeqpacketConnection(socket, "", context.address, context));
        socket.off("error", fail);
      });
    } catch {
      socket.destroy(); // a new socket is in no callback of its own, so closing it now is safe
      reject(new OpError("connect", context.transport, context.address, whyConnectFailed(kernelPath)));
    }
  });
}

/** A library SeqpacketSocket seen through the Connection interface, with its sharp edges filed off. */
class SeqpacketConnection implements Connection {
  #handlers: ConnectionHandlers | undefined;
  /** Events that came before setHandlers(), as a paused net.Socket would keep them. */
  #early: ((h: ConnectionHandlers) => void)[] = [];
  /** Rejecters of writes the kernel has not taken yet: the library drops them silently on close. */
  #writes = new Set<(err: OpError) => void>();
  #error: OpError | undefined;
  #peerEnded = false;
  #shut = false; // end() or destroy() called: no more writes
  /** end() waiting for the writes before it: the library may shut down before a queued write. */
  #endAfterWrites: (() => void) | undefined;
  #destroying = false;
  #closed = false; // the library emitted 'close': never call into it again

  constructor(
    private readonly socket: Addon.SeqpacketSocket,
    readonly local: string,
    readonly remote: string,
    private readonly context: ErrorContext,
  ) {
    socket.on("data", (chunk: Buffer) => {
      if (!this.#destroying) this.#deliver((h) => h.data(chunk));
    });
    // Also what a zero-length record looks like: recv() returns 0 for it as for EOF. Prepended: the
    // library's own 'end' listener may close the socket, and the peer's EOF came before that close.
    socket.prependListener("end", () => {
      if (this.#peerEnded || this.#destroying) return;
      this.#peerEnded = true;
      this.#deliver((h) => h.end());
    });
    // The library emits 'error' and then closes the socket itself; a write failure (EMSGSIZE, EPIPE)
    // closes the whole connection, not just that write.
    socket.on("error", (err: unknown) => {
      this.#error ??= addonError(err, this.#writes.size > 0 ? "send" : "recv", context);
    });
    socket.on("close", () => this.#onClose());
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.#handlers = handlers;
    for (const event of this.#early.splice(0)) event(handlers);
  }

  write(data: Buffer): Promise<void> {
    if (this.#destroying || this.#closed)
      return Promise.reject(this.#lost("the connection is already closed"));
    if (this.#shut) return Promise.reject(this.#lost("this side already shut down writing", "EPIPE"));
    return new Promise((resolve, reject) => {
      this.#writes.add(reject);
      try {
        this.socket.write(data, 0, data.length, () => {
          this.#writes.delete(reject);
          resolve();
          if (this.#writes.size === 0) this.#endAfterWrites?.();
        });
      } catch (err) {
        this.#writes.delete(reject);
        reject(addonError(err, "send", this.context));
      }
    });
  }

  /** shutdown(SHUT_WR) once every write before it has left, as the Connection interface promises. */
  end(): void {
    if (this.#shut) return;
    this.#shut = true;
    // Deferred: once both sides are shut the library closes the socket, and closing inside one of its
    // own callbacks aborts the process.
    const shutdown = () => {
      this.#endAfterWrites = undefined;
      setImmediate(() => this.#call(() => this.socket.end()));
    };
    if (this.#writes.size === 0) shutdown();
    else this.#endAfterWrites = shutdown;
  }

  destroy(): void {
    if (this.#destroying) return;
    this.#destroying = true;
    this.#shut = true;
    // Deferred for the panic above: the protocol may destroy from inside its data handler.
    setImmediate(() => this.#call(() => this.socket.destroy()));
  }

  /** Call into the library only while the socket is open; it throws EBADF, or panics, after. */
  #call(action: () => void): void {
    if (this.#closed) return;
    try {
      action();
    } catch (err) {
      this.#error ??= addonError(err, "close", this.context);
      try {
        this.socket.destroy();
      } catch {
        // The library had closed it after all; 'close' may never come, so close for it.
      }
      this.#onClose();
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = this.#error;
    for (const reject of this.#writes)
      reject(error ?? this.#lost("the connection closed before this write left"));
    this.#writes.clear();
    this.#deliver((h) => h.close(error));
  }

  #deliver(event: (h: ConnectionHandlers) => void): void {
    if (this.#handlers) event(this.#handlers);
    else this.#early.push(event);
  }

  #lost(hint: string, code = "EBADF"): OpError {
    return new OpError("send", this.context.transport, this.remote || this.local, code, hint);
  }
}
