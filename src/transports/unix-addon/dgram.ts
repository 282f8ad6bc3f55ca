// SOCK_DGRAM on the addon: a bound or unbound socket seen through the DatagramSocket interface.
//
// Reading: on readable, recvmsg() until EAGAIN (a batch at a time, so one busy socket cannot starve the
// loop; the poll is level-triggered and calls again). A datagram longer than the read buffer comes
// with the kernel's MSG_TRUNC, which is what `cut` says.
//
// Sending: sendmsg() says EAGAIN for one of two reasons, and the datagram waits here, in order, per
// destination, until it can go: nothing is dropped, as unix(7) promises.
// - Our own send buffer is full: every datagram we sent counts against our SO_SNDBUF until its
//   receiver reads it. Our own poll says when there is room again (POLLOUT: a quarter of SO_SNDBUF or
//   less in flight), so after EAGAIN, when our socket does not poll writable, we watch it for that.
// - The receiver's queue is full (net.unix.max_dgram_qlen). Our own poll cannot say when: an
//   unconnected socket polls writable whenever its own send buffer has room, whoever's queue is full
//   (the kernel tracks the receiver's queue only for a connect()ed sender: unix_dgram_poll,
//   unix_dgram_peer_wake_me), so polling it would spin. So each such destination gets a waker: a
//   second socket, connect()ed to it, that never sends and polls writable exactly when the receiver
//   has room.
// Where no waker can be made, or one fired and still nothing went, a timer retries (1 ms, doubling to
// 50 ms). A destination that takes nothing for PATIENCE_MS fails its waiting datagrams with EAGAIN: a
// peer that never reads must not make a server hold replies for it forever.
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

/** What a destination's waiting datagrams wait for: see the top of this file. */
type Trigger = "own" | "waker" | "timer";

interface Destination {
  readonly name: Buffer;
  readonly datagrams: Waiting[];
  /** When it last took a datagram (or the first one started waiting). */
  progress: number;
  /** Polls writable when the receiver has room (see #wakerFor); null: none could be made. */
  waker?: UnixSocket | null;
  waitingFor: Trigger;
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
  /** The delay #retry was set for. */
  #retryDelay = 0;
  #retryMs = RETRY_FIRST_MS;
  #timerTries = 0;
  #closed = false;

  constructor(
    socket: UnixSocket,
    kernelPath: string | undefined,
    private readonly context: ErrorContext,
  ) {
    this.local = kernelPath === undefined ? "" : describeUnix(kernelPath);
    this.#socket = socket;
    this.#watch = new Watch(socket, (status, readable, writable) =>
      this.#onEvent(status, readable, writable),
    );
  }

  /** Reading starts here: until then the kernel holds what arrives, as a paused socket would. */
  setHandlers(handlers: DatagramHandlers): void {
    this.#handlers = handlers;
    if (!this.#closed) this.#watch.readable(true);
  }

  /** Tries the retry timer made for destinations waiting on it, the fallback when no poll says when. */
  get timerTries(): number {
    return this.#timerTries;
  }

  #onEvent(status: number, readable: boolean, writable: boolean): void {
    if (status < 0) this.#handlers?.error(statusError(status, "recv", this.context));
    if (writable) {
      // Our send buffer has room again (see the top of this file).
      this.#watch.writable(false);
      this.#sendWaiting(undefined, "own");
    }
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
      const destination: Destination = {
        name,
        datagrams: [{ data, resolve, reject }],
        progress: Date.now(),
        waitingFor: "timer",
      };
      this.#waiting.set(to, destination);
      this.#wait(to, destination, true);
    });
  }

  /**
   * Wait for room after EAGAIN: on our own socket when its own send buffer is what is full; else on
   * the destination's waker when there is one (and the last try moved something, or this is the first
   * wait: a waker that fired for nothing is not trusted twice in a row); else on the timer.
   */
  #wait(to: string, destination: Destination, moved: boolean): void {
    if (!this.#pollout()) {
      destination.waitingFor = "own";
      this.#watch.writable(true);
      this.#scheduleRetry();
      return;
    }
    if (destination.waker === undefined) destination.waker = this.#wakerFor(destination.name);
    const { waker } = destination;
    if (waker && moved) {
      waker.watch(false, true, () => {
        waker.unwatch();
        this.#sendWaiting(to, "waker");
      });
      destination.waitingFor = "waker";
    } else {
      destination.waitingFor = "timer";
    }
    this.#scheduleRetry();
  }

  /** Whether our own send buffer has room; when poll() itself fails, the waker and timer decide. */
  #pollout(): boolean {
    try {
      return this.#socket.pollout();
    } catch {
      return true;
    }
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
    if (this.#waiting.size === 0 || this.#closed) return;
    // Destinations waiting on a poll need the timer only to see their patience run out.
    const onTimer = [...this.#waiting.values()].some((d) => d.waitingFor === "timer");
    const delay = onTimer ? this.#retryMs : PATIENCE_MS / 4;
    // A destination that has just gone on the timer must not sit out a longer patience check.
    if (this.#retry) {
      if (this.#retryDelay <= delay) return;
      clearTimeout(this.#retry);
    }
    this.#retryDelay = delay;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#sendWaiting(undefined, "timer");
    }, delay);
  }

  /** Send what waits, per destination (or only `only`) in order, until done or EAGAIN again. */
  #sendWaiting(only: string | undefined, trigger: Trigger): void {
    const now = Date.now();
    let movedAny = false;
    for (const [to, destination] of this.#waiting) {
      if (this.#closed) return;
      if (only !== undefined && to !== only) continue;
      // A destination is tried when what it waits for says so; the timer checks every one's patience.
      const due = destination.waitingFor === trigger;
      if (due && trigger === "timer") this.#timerTries++;
      const moved = due ? this.#flush(to, destination, now) : false;
      movedAny ||= moved;
      const { datagrams } = destination;
      if (datagrams.length > 0 && now - destination.progress >= PATIENCE_MS) {
        const hint = `its receive queue stayed full for ${PATIENCE_MS} ms (net.unix.max_dgram_qlen): the peer is not reading`;
        for (const waiting of datagrams.splice(0)) waiting.reject(this.#lost(to, hint, "EAGAIN"));
      }
      if (datagrams.length === 0) {
        destination.waker?.close();
        this.#waiting.delete(to);
      } else if (due) {
        this.#wait(to, destination, moved || trigger !== "waker");
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
