// SOCK_DGRAM from the library: a bound or unbound socket seen through the DatagramSocket interface,
// renewed when the library's EAGAIN handling leaves it deaf (see #renew()).
import { rmSync } from "node:fs";
import { OpError } from "../../errors.js";
import { describeUnix } from "../address.js";
import { withMode } from "../socket-file.js";
import type { DatagramHandlers, DatagramSocket } from "../transport.js";
import { addonError } from "./errors.js";
import { type Addon, addonKernelPath, type ErrorContext, load } from "./library.js";

/** The library reads every datagram into a 65,535-byte buffer and drops the rest without a word. */
export const ADDON_DGRAM_MAX = 65_535;

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
