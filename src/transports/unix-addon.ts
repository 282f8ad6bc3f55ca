// The one door to the npm package node-unix-socket (0.2.7), which makes the SOCK_SEQPACKET and
// SOCK_DGRAM unix sockets that node:net and node:dgram cannot. It is a native addon (Rust, napi-rs)
// with sharp edges; this module keeps every one of them on this side of the door:
//
//   edge (all verified on Linux 6.x, Node 20)             what we do
//   connect() throws at once, code 'Unknown', text        ask stat(), access() and /proc/net/unix
//     "No such file or directory" whatever the kernel       what the kernel said: whyConnectFailed()
//     said (strace: ECONNREFUSED, EAGAIN, EPROTOTYPE...)
//   errors carry strerror text, never an errno name       errnoOf() maps the text back
//   destroy() inside the socket's own 'data' callback     destroy() and end() run from setImmediate,
//     aborts the process: Rust panic "emitter already      after the library's callback has returned,
//     unreferenced" (src/seqpacket.rs:197); so does end()  and never once the library has closed the
//     there once the library has closed the socket          socket (end() then throws EBADF or panics)
//   a path is a C string: "\0name" becomes the abstract   @names are refused with EINVAL
//     name of 108 NULs, the same for every @name
//   a zero-length seqpacket record reads as EOF ('end')   nothing to do: recv() returns 0 for both
//   datagrams are read into 65,535 bytes, cut silently    send() refuses bigger ones with EMSGSIZE
//   socket files are not unlinked on close                the transports remove the files they made
//   an 'error' event without a listener throws            every emitter gets a listener at birth
//
// It is loaded on first use: a native addon costs start-up time that `--help` should not pay.
import { accessSync, constants, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { resolve } from "node:path";
import { getSystemErrorMap } from "node:util";
import type * as Addon from "node-unix-socket";
import { type Op, OpError } from "../errors.js";
import { describeUnix, isAbstract, unixKernelPath, whyNoAbstract } from "./address.js";
import { setupCallOf } from "./setup-trace.js";
import { isPrivateNameOf, withMode } from "./socket-file.js";
import type {
  Connection,
  ConnectionHandlers,
  DatagramHandlers,
  DatagramSocket,
  TransportName,
} from "./transport.js";

/** Who is asking, for the OpErrors: the transport and the address in user form. */
export interface ErrorContext {
  readonly transport: TransportName;
  readonly address: string;
}

let addon: typeof Addon | undefined;

function load(context: ErrorContext): typeof Addon {
  try {
    addon ??= createRequire(import.meta.url)("node-unix-socket") as typeof Addon;
  } catch (err) {
    // No prebuilt binary for this platform, say: the one failure here that is not a socket's.
    const hint = `node-unix-socket cannot load its native addon here (${(err as Error).message})`;
    throw new OpError("socket", context.transport, context.address, "EOPNOTSUPP", hint, { cause: err });
  }
  return addon;
}

/** unixKernelPath, minus what this library cannot pass to the kernel intact. */
export function addonKernelPath(address: string, transport: TransportName, op: Op): string {
  if (isAbstract(address)) {
    throw new OpError(op, transport, address, "EINVAL", `${whyNoAbstract(transport)} — use a path`);
  }
  if (address.includes("\0")) {
    throw new OpError(op, transport, address, "EINVAL", "a socket path cannot hold a NUL byte");
  }
  try {
    return unixKernelPath(address, transport, op === "bind" || op === "listen" ? "bind" : "connect");
  } catch (err) {
    if (err instanceof OpError && err.op !== op)
      throw new OpError(op, transport, address, err.code, err.hint);
    throw err;
  }
}

// ---- errors -------------------------------------------------------------------------------------

/** Texts the library uses that are not libuv's wording of the same errno. */
const LIBRARY_TEXTS: Record<string, string> = {
  "path to bind is too long": "ENAMETOOLONG",
  "Try again": "EAGAIN", // the Rust nix crate's text for EAGAIN
  "Bad file number": "EBADF",
  "Transport endpoint is not connected": "ENOTCONN",
  "File name too long": "ENAMETOOLONG",
};

let libuvTexts: Map<string, string> | undefined;

/** The errno name behind an error from the library, which only has text (and code 'Unknown'). */
function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code in os.constants.errno) return code;
  const text = String((err as { message?: unknown } | undefined)?.message ?? err);
  const number = /\(os error (\d+)\)/.exec(text)?.[1];
  if (number) return errnoName(Number(number)) ?? "EIO";
  // "uv callback of handle_io failed with error: EBADF"
  const named = /\b(E[A-Z0-9]{2,})\b/.exec(text)?.[1];
  if (named && named in os.constants.errno) return named;
  if (LIBRARY_TEXTS[text]) return LIBRARY_TEXTS[text];
  libuvTexts ??= new Map([...getSystemErrorMap().values()].map(([name, message]) => [message, name]));
  return libuvTexts.get(text.toLowerCase()) ?? "EIO";
}

function errnoName(number: number): string | undefined {
  return Object.entries(os.constants.errno).find(([, value]) => value === number)?.[0];
}

function addonError(err: unknown, op: Op, context: ErrorContext): OpError {
  if (err instanceof OpError) return err;
  return new OpError(op, context.transport, context.address, errnoOf(err), undefined, { cause: err });
}

/**
 * What the kernel said to a failed connect(), which the library always reports as "No such file or
 * directory" (strace shows ENOENT, ECONNREFUSED or EAGAIN). Path sockets only.
 */
function whyConnectFailed(path: string): string {
  try {
    // stat, not lstat: connect() follows symlinks, so a dangling link is ENOENT to the kernel too.
    statSync(path);
    // Connecting needs write permission on the socket file: unix(7).
    accessSync(path, constants.W_OK);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? "ENOENT";
  }
  const bound = socketsAt(path);
  // A stream or dgram socket bound there: the kernel finds it, sees the wrong type.
  if (bound.some((s) => s.type !== SOCK_SEQPACKET)) return "EPROTOTYPE";
  // A seqpacket listener is there, so only its full accept queue can have turned us away.
  if (bound.some((s) => s.listening)) return "EAGAIN";
  // A regular file, or a socket file whose socket is gone (stale): nobody to connect to.
  return "ECONNREFUSED";
}

const SOCK_SEQPACKET = 5;
const SO_ACCEPTCON = 0x10000; // "listening", in /proc/net/unix's Flags column

/** Sockets bound at `path`, from /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path". */
function socketsAt(path: string): { type: number; listening: boolean }[] {
  let table: string;
  try {
    table = readFileSync("/proc/net/unix", "utf8");
  } catch {
    return [];
  }
  const wanted = new Set([path, resolve(path)]);
  return table.split("\n").flatMap((line) => {
    const row = /^\S+:\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+([0-9A-Fa-f]+)\s+\S+\s+\d+ (.+)$/.exec(line);
    // A placed server's socket is listed under the private name it was bound to (socket-file.ts).
    const bound = row?.[3] as string;
    if (!row || !(wanted.has(bound) || isPrivateNameOf(path, bound))) return [];
    return [
      {
        type: Number.parseInt(row[2] as string, 16),
        listening: (Number.parseInt(row[1] as string, 16) & SO_ACCEPTCON) !== 0,
      },
    ];
  });
}

// ---- SOCK_SEQPACKET -----------------------------------------------------------------------------

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

// ---- SOCK_DGRAM ---------------------------------------------------------------------------------

/** The library reads every datagram into a 65,535-byte buffer and drops the rest without a word. */
const ADDON_DGRAM_MAX = 65_535;

/** How long a send may wait for a full receiver queue to drain before it fails with EAGAIN. */
const QUEUED_SEND_PATIENCE_MS = 200;

/**
 * A datagram socket, bound to `kernelPath` (throws an OpError), or unbound: then it can send, but
 * nobody can answer it. close() does not remove the socket file; whoever chose the path does.
 */
export function openDgram(
  kernelPath: string | undefined,
  context: ErrorContext,
  /** The socket file's mode, where a server chose one: kept when #renew() binds the path again. */
  mode?: number,
): DatagramSocket {
  const socket = new (load(context).DgramSocket)();
  try {
    if (kernelPath !== undefined) socket.bind(kernelPath);
  } catch (err) {
    socket.close();
    throw addonError(err, "bind", context);
  }
  return new AddonDgramSocket(socket, kernelPath, context, mode);
}

class AddonDgramSocket implements DatagramSocket {
  readonly local: string;
  // node-unix-socket has no connect() for datagram sockets: every send names its peer (sendto).
  readonly connected = false;
  #socket: Addon.DgramSocket;
  #handlers: DatagramHandlers | undefined;
  #early: ((h: DatagramHandlers) => void)[] = [];
  /** Sends the library still holds (rejecter -> destination): it drops them silently on close. */
  #sends = new Map<(err: OpError) => void, string>();
  /** Set while the socket is deaf because a send met EAGAIN: see #renew(). */
  #deafTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    socket: Addon.DgramSocket,
    private readonly kernelPath: string | undefined,
    private readonly context: ErrorContext,
    private readonly mode: number | undefined,
  ) {
    this.local = kernelPath === undefined ? "" : describeUnix(kernelPath);
    this.#socket = this.#adopt(socket);
  }

  #adopt(socket: Addon.DgramSocket): Addon.DgramSocket {
    // `from` is "" when the sender never bound, and also when it bound an abstract name: the
    // library cuts that at its leading NUL.
    socket.on("data", (data: Buffer, from: string) => {
      // A full buffer may be a longer datagram the library cut without a word: say it may be.
      const cut = data.length >= ADDON_DGRAM_MAX;
      if (!this.#closed) this.#deliver((h) => h.message(data, describeUnix(from), cut));
    });
    // The library closes the socket before it emits 'error' (a failed recvmsg).
    socket.on("error", (err: unknown) =>
      this.#deliver((h) => h.error(addonError(err, "recv", this.context))),
    );
    socket.on("close", () => {
      this.#closed = true;
      clearTimeout(this.#deafTimer);
      this.#fail("EBADF", "the socket closed before this datagram left");
    });
    return socket;
  }

  setHandlers(handlers: DatagramHandlers): void {
    this.#handlers = handlers;
    for (const event of this.#early.splice(0)) event(handlers);
  }

  send(data: Buffer, to: string): Promise<void> {
    const { transport } = this.context;
    if (this.#closed) return Promise.reject(this.#lost(to));
    // The library reads 65,535 bytes of a datagram: one that fills them may have been longer, so the
    // receiving side cannot tell a whole one of that size from a cut one. The most we send is one less.
    if (data.length >= ADDON_DGRAM_MAX) {
      const hint = `node-unix-socket reads at most ${ADDON_DGRAM_MAX} bytes of a datagram and silently drops the rest: send at most ${ADDON_DGRAM_MAX - 1}`;
      return Promise.reject(new OpError("send", transport, to, "EMSGSIZE", hint));
    }
    return new Promise((resolve, reject) => {
      let called = false;
      const done = (err?: Error) => {
        called = true;
        this.#sends.delete(reject);
        if (err) reject(addonError(err, "send", { transport, address: to }));
        else resolve();
        if (this.#deafTimer && this.#sends.size === 0) setImmediate(() => this.#renew());
      };
      this.#sends.set(reject, to);
      try {
        this.#socket.sendTo(data, 0, data.length, addonKernelPath(to, transport, "send"), done);
      } catch (err) {
        done(err as Error);
      }
      // The library calls back at once when the kernel takes the datagram; a later call means the
      // receiver's queue was full (EAGAIN, net.unix.max_dgram_qlen) and the library queued it.
      if (!called) this.#deafTimer ??= setTimeout(() => this.#renew(true), QUEUED_SEND_PATIENCE_MS);
    });
  }

  /**
   * The cure for the library's worst edge. When a send meets EAGAIN it polls the fd for writing with
   * a second uv_poll handle, which displaces the reading one: the socket never receives again, and
   * the loop spins at 100% CPU on POLLOUT (strace: the fd is re-registered EPOLLOUT only; startRecv()
   * then fails with EEXIST). So the socket is replaced by a new one at the same address, once its
   * queued sends are out, or after QUEUED_SEND_PATIENCE_MS if the receiver does not read (`patience`
   * ran out): those sends then fail with EAGAIN, what a non-blocking sendto() says. Datagrams that
   * reached the old socket while it was deaf are lost with it.
   */
  #renew(patienceRanOut = false): void {
    if (!this.#deafTimer || this.#closed || (this.#sends.size > 0 && !patienceRanOut)) return;
    clearTimeout(this.#deafTimer);
    this.#deafTimer = undefined;
    this.#fail("EAGAIN", "the receiver's queue stayed full (net.unix.max_dgram_qlen): it is not reading");
    const old = this.#socket;
    for (const event of ["data", "error", "close"]) old.removeAllListeners(event);
    old.on("error", () => {});
    old.close();
    const fresh = this.#adopt(new (load(this.context).DgramSocket)());
    this.#socket = fresh;
    if (this.kernelPath === undefined) return;
    try {
      rmSync(this.kernelPath, { force: true }); // the old socket's file, which close() leaves behind
      const { kernelPath, mode } = this;
      // The new file gets the server's --mode as it is made, not the process umask.
      if (mode === undefined) fresh.bind(kernelPath);
      else withMode(mode, () => fresh.bind(kernelPath));
    } catch (err) {
      this.#deliver((h) => h.error(addonError(err, "bind", this.context)));
      fresh.close();
    }
  }

  /** Reject the sends the library still holds, which it would never call back. */
  #fail(code: string, hint: string): void {
    for (const [reject, to] of this.#sends)
      reject(new OpError("send", this.context.transport, to, code, hint));
    this.#sends.clear();
  }

  close(): Promise<void> {
    if (!this.#closed) this.#socket.close(); // emits 'close' at once
    return Promise.resolve();
  }

  #deliver(event: (h: DatagramHandlers) => void): void {
    if (this.#handlers) event(this.#handlers);
    else this.#early.push(event);
  }

  #lost(to = this.local): OpError {
    return new OpError("send", this.context.transport, to, "EBADF", "the socket is already closed");
  }
}
