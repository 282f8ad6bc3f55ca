// SOCK_DGRAM on the addon: a bound or unbound socket seen through the DatagramSocket interface.
//
// Reading: on readable, recvmsg() until EAGAIN (a batch at a time, so one busy socket cannot starve the
// loop; the poll is level-triggered and calls again). A datagram longer than the read buffer comes
// with the kernel's MSG_TRUNC, which is what `cut` says.
//
// Sending: a unix datagram receiver whose queue is full (net.unix.max_dgram_qlen) makes sendmsg() say
// EAGAIN, and the datagram waits here, in order, per destination, until the receiver reads: nothing
// is dropped, as unix(7) promises. Our socket's own poll cannot say when: an unconnected socket polls
// writable whenever its own send buffer has room, whoever's queue is full (the kernel tracks the
// receiver's queue only for a connect()ed sender: unix_dgram_poll, unix_dgram_peer_wake_me), so
// polling it would spin. So each destination that said EAGAIN gets a waker: a second socket,
// connect()ed to it, that never sends and polls writable exactly when the receiver has room. Where
// no waker can be made, a timer retries (1 ms, doubling to 50 ms). A destination that takes nothing
// for PATIENCE_MS fails its waiting datagrams with EAGAIN: a peer that never reads must not make a
// server hold replies for it forever.
import { OpError } from "../../errors.js";
import { describeUnix } from "../address.js";
import type { DatagramHandlers, DatagramSocket } from "../transport.js";
import { addonError, type ErrorContext, newSocket, statusError } from "./errors.js";
import { addonKernelPath, kernelName, kernelPathOf } from "./names.js";
import { loadNative, type UnixSocket } from "./native.js";
import { Watch } from "./watch.js";

/**
 * How much of one datagram is read. A unix datagram may be as long as the sender's SO_SNDBUF allows
 * (212,992 bytes by default, net.core.wmem_default); 256 KiB takes any a default sender can send, and
 * a longer one arrives cut, with MSG_TRUNC, and is reported so.
 */
export const UNIX_DGRAM_READ_SIZE = 262_144;

/** A destination that takes no datagram for this long fails the ones waiting for it with EAGAIN. */
export const PATIENCE_MS = 1000;

/** Datagrams read per readable event before the loop gets its turn again. */
const READ_BATCH = 64;
const RETRY_FIRST_MS = 1;
const RETRY_MAX_MS = 50;

interface Waiting {
  readonly data: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: OpError) => void;
}

interface Destination {
  readonly name: Buffer;
  readonly datagrams: Waiting[];
  /** When it last took a datagram (or the first one started waiting). */
  progress: number;
  /** Polls writable when the receiver has room (see #wakerFor); null: none could be made. */
  waker?: UnixSocket | null;
  /** Waiting on the timer, not on the waker. */
  onTimer?: boolean;
}

/**
 * A datagram socket, bound to `kernelPath` (throws an OpError), or unbound: then it can send, but
 * nobody can answer it. close() does not remove the socket file; whoever chose the path does.
 */
export function openDgram(kernelPath: string | undefined, context: ErrorContext): DatagramSocket {
  const socket = newSocket("SOCK_DGRAM", context);
  try {
    if (kernelPath !== undefined) socket.bind(kernelName(kernelPath));
  } catch (err) {
    socket.close();
    throw addonError(err, "bind", context);
  }
  return new AddonDgramSocket(socket, kernelPath, context);
}

class AddonDgramSocket implements DatagramSocket {
  readonly local: string;
  // Never connect()ed: every send names its peer (sendto), as a server's socket must.
  readonly connected = false;
  readonly #socket: UnixSocket;
  readonly #watch: Watch;
  #handlers: DatagramHandlers | undefined;
  /** Datagrams that met EAGAIN, by destination (user form), each list in send order. */
  readonly #waiting = new Map<string, Destination>();
  #retry: NodeJS.Timeout | undefined;
  #retryMs = RETRY_FIRST_MS;
  #closed = false;

  constructor(
    socket: UnixSocket,
    kernelPath: string | undefined,
    private readonly context: ErrorContext,
  ) {
    this.local = kernelPath === undefined ? "" : describeUnix(kernelPath);
    this.#socket = socket;
    this.#watch = new Watch(socket, (status, readable) => this.#onEvent(status, readable));
  }

  /** Reading starts here: until then the kernel holds what arrives, as a paused socket would. */
  setHandlers(handlers: DatagramHandlers): void {
    this.#handlers = handlers;
    if (!this.#closed) this.#watch.readable(true);
  }

  #onEvent(status: number, readable: boolean): void {
    if (status < 0) this.#handlers?.error(statusError(status, "recv", this.context));
    if (readable) this.#read();
  }

  #read(): void {
    for (let n = 0; n < READ_BATCH && !this.#closed; n++) {
      let got: ReturnType<UnixSocket["recv"]>;
      try {
        // fds false: a sender's SCM_RIGHTS would otherwise use up our descriptors, unread and unclosed.
        got = this.#socket.recv(UNIX_DGRAM_READ_SIZE, false);
      } catch (err) {
        this.#handlers?.error(addonError(err, "recv", this.context));
        return;
      }
      if (got === null) return;
      const cut = (got.flags & loadNative().constants.MSG_TRUNC) !== 0;
      this.#handlers?.message(got.data, describeUnix(kernelPathOf(got.from)), cut);
    }
  }

  send(data: Buffer, to: string): Promise<void> {
    if (this.#closed) return Promise.reject(this.#lost(to, "the socket is already closed"));
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting.get(to);
      if (waiting) {
        waiting.datagrams.push({ data, resolve, reject });
        return;
      }
      let name: Buffer;
      try {
        name = kernelName(addonKernelPath(to, this.context.transport, "send"));
        if (this.#socket.send(data, name) >= 0) return resolve();
      } catch (err) {
        return reject(addonError(err, "send", { transport: this.context.transport, address: to }));
      }
      const destination: Destination = { name, datagrams: [{ data, resolve, reject }], progress: Date.now() };
      this.#waiting.set(to, destination);
      this.#wait(to, destination, true);
    });
  }

  /**
   * Wait for room at `destination`: on its waker when there is one (and the last try moved something,
   * or this is the first wait: a waker that fired for nothing is not trusted twice in a row), else on
   * the timer.
   */
  #wait(to: string, destination: Destination, moved: boolean): void {
    if (destination.waker === undefined) destination.waker = this.#wakerFor(destination.name);
    const { waker } = destination;
    if (waker && moved) {
      waker.watch(false, true, () => {
        waker.unwatch();
        this.#sendWaiting(to, "waker");
      });
      destination.onTimer = false;
    } else {
      destination.onTimer = true;
    }
    this.#scheduleRetry();
  }

  /**
   * A socket connect()ed to `name` that never sends: the kernel tracks the receiver's queue for a
   * connected sender (unix_dgram_poll, peer_wake), so this one polls writable exactly when the
   * receiver has room. null when it cannot connect (the receiver is connected to another peer, or no
   * descriptor is left): then the timer alone decides.
   */
  #wakerFor(name: Buffer): UnixSocket | null {
    let waker: UnixSocket | undefined;
    try {
      waker = newSocket("SOCK_DGRAM", this.context);
      waker.connect(name);
      return waker;
    } catch {
      waker?.close();
      return null;
    }
  }

  #scheduleRetry(): void {
    if (this.#retry || this.#waiting.size === 0 || this.#closed) return;
    // Destinations with a waker need the timer only to see their patience run out.
    const onTimer = [...this.#waiting.values()].some((d) => d.onTimer);
    this.#retry = setTimeout(
      () => {
        this.#retry = undefined;
        this.#sendWaiting(undefined, "timer");
      },
      onTimer ? this.#retryMs : PATIENCE_MS / 4,
    );
  }

  /** Send what waits, per destination (or only `only`) in order, until done or EAGAIN again. */
  #sendWaiting(only: string | undefined, trigger: "timer" | "waker"): void {
    const now = Date.now();
    let movedAny = false;
    for (const [to, destination] of this.#waiting) {
      if (this.#closed) return;
      if (only !== undefined && to !== only) continue;
      // A destination waiting on its waker is tried when the waker says so; the timer only checks
      // its patience.
      const moved = trigger === "waker" || destination.onTimer ? this.#flush(to, destination, now) : false;
      movedAny ||= moved;
      const { datagrams } = destination;
      if (datagrams.length > 0 && now - destination.progress >= PATIENCE_MS) {
        const hint = `its receive queue stayed full for ${PATIENCE_MS} ms (net.unix.max_dgram_qlen): the peer is not reading`;
        for (const waiting of datagrams.splice(0)) waiting.reject(this.#lost(to, hint, "EAGAIN"));
      }
      if (datagrams.length === 0) {
        destination.waker?.close();
        this.#waiting.delete(to);
      } else if (trigger === "waker" || destination.onTimer) {
        this.#wait(to, destination, moved || trigger === "timer");
      }
    }
    if (trigger === "timer")
      this.#retryMs = movedAny ? RETRY_FIRST_MS : Math.min(this.#retryMs * 2, RETRY_MAX_MS);
    this.#scheduleRetry();
  }

  /** Hand the kernel what waits for `to`, in order, until EAGAIN; says whether anything left. */
  #flush(to: string, destination: Destination, now: number): boolean {
    const { datagrams } = destination;
    let moved = false;
    while (datagrams.length > 0 && !this.#closed) {
      const next = datagrams[0] as Waiting;
      let sent: number;
      try {
        sent = this.#socket.send(next.data, destination.name);
      } catch (err) {
        datagrams.shift();
        next.reject(addonError(err, "send", { transport: this.context.transport, address: to }));
        continue;
      }
      if (sent < 0) break;
      datagrams.shift();
      next.resolve();
      destination.progress = now;
      moved = true;
    }
    return moved;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#socket.close();
    for (const [to, { datagrams, waker }] of this.#waiting) {
      waker?.close();
      for (const waiting of datagrams)
        waiting.reject(this.#lost(to, "the socket closed before this datagram left"));
    }
    this.#waiting.clear();
    return Promise.resolve();
  }

  #lost(to: string, hint: string, code = "EBADF"): OpError {
    return new OpError("send", this.context.transport, to, code, hint);
  }
}
