// The playground's own native addon (native/unix_socket.c), loaded by path from the package root and
// typed here. It is thin on purpose: each method is one socket call on a non-blocking fd, and every
// decision (when to read, what to queue, what an error means) is made in this folder's TypeScript.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The .node file node-gyp builds at `npm ci` (scripts/build-addon.mjs). */
export const ADDON_FILE = fileURLToPath(
  // Three folders up from src/transports/unix-addon/ or dist/transports/unix-addon/: the package root.
  new URL("../../../native/build/Release/unix_socket.node", import.meta.url),
);

/** A credential the kernel vouches for: SO_PEERCRED, or SCM_CREDENTIALS on a message. */
export interface Credentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** One recvmsg(). */
export interface Received {
  /** What was read: at most the size asked for. */
  readonly data: Buffer;
  /** The record's real length (MSG_TRUNC passed), longer than data when the kernel cut it. */
  readonly length: number;
  /** The sender's sun_path bytes; empty when the kernel gave none (an unnamed sender). */
  readonly from: Buffer;
  /** msg_flags as the kernel returned them: MSG_TRUNC, MSG_CTRUNC. */
  readonly flags: number;
  /** File descriptors that came with it (SCM_RIGHTS), close-on-exec; the caller must close them. */
  readonly fds: number[];
  /** The sender's credentials (SCM_CREDENTIALS), when SO_PASSCRED is on. */
  readonly cred?: Credentials;
  /**
   * Set on a 0-byte read from a stream or seqpacket socket: true when the 0 is end-of-file, false when
   * it was an empty record, even with the peer shut down and records still queued. On seqpacket the
   * kernel says it (the read is made with SO_PASSCRED on: a record carries credentials, end-of-file
   * none); on a stream, the peer has shut down (POLLRDHUP) and no byte is queued (SIOCINQ).
   */
  readonly hangup?: boolean;
}

/**
 * (status, readable, writable): status is 0, or the kernel's negative errno for an error on the
 * socket (read with SO_ERROR, never libuv's stand-in EBADF).
 */
export type WatchCallback = (status: number, readable: boolean, writable: boolean) => void;

/**
 * One AF_UNIX socket: a non-blocking, close-on-exec fd. Every failing call throws a Node-style Error
 * (`code`, negative `errno`, `syscall`, message "<syscall> <CODE>"). A name is the exact sun_path bytes:
 * a path, or an abstract name as a leading 0 byte and the name, at its exact length.
 */
export interface UnixSocket {
  readonly fd: number; // -1 once closed
  bind(name: Buffer): void;
  listen(backlog: number): void;
  /** null when nobody is waiting (EAGAIN). */
  accept(): UnixSocket | null;
  /** Done or failed at once on AF_UNIX: a full backlog is EAGAIN, not EINPROGRESS. */
  connect(name: Buffer): void;
  /** Bytes the kernel took, or -1 when it would block (EAGAIN). MSG_NOSIGNAL: EPIPE, never SIGPIPE. */
  send(data: Buffer, to?: Buffer | null, fds?: number[] | null): number;
  /**
   * null when nothing is queued (EAGAIN). With `fds` false no passed fd is ever installed here: the
   * kernel closes them and says MSG_CTRUNC (and `fds` is empty).
   */
  recv(size: number, fds?: boolean): Received | null;
  shutdown(how: number): void;
  /** Idempotent; stops any watch; safe inside the socket's own callback. */
  close(): void;
  getsockopt(level: number, name: number): number;
  setsockopt(level: number, name: number, value: number): void;
  /** SO_PEERCRED. */
  peercred(): Credentials;
  sockname(): Buffer;
  peername(): Buffer;
  /** Poll for these (level-triggered); called again, changes them. Both false: unwatch. */
  watch(readable: boolean, writable: boolean, callback?: WatchCallback): void;
  unwatch(): void;
  /**
   * poll(POLLOUT) now. On an unconnected datagram socket: whether its own send buffer has room (a
   * quarter of SO_SNDBUF or less in flight), whatever the receivers' queues hold.
   */
  pollout(): boolean;
}

export interface Constants {
  readonly SOCK_STREAM: number;
  readonly SOCK_DGRAM: number;
  readonly SOCK_SEQPACKET: number;
  readonly SOL_SOCKET: number;
  readonly SO_SNDBUF: number;
  readonly SO_RCVBUF: number;
  readonly SO_SNDBUFFORCE: number;
  readonly SO_RCVBUFFORCE: number;
  readonly SO_PASSCRED: number;
  readonly SO_ERROR: number;
  readonly SO_TYPE: number;
  readonly SO_ACCEPTCONN: number;
  readonly SO_DOMAIN: number;
  readonly SHUT_RD: number;
  readonly SHUT_WR: number;
  readonly SHUT_RDWR: number;
  readonly MSG_TRUNC: number;
  readonly MSG_CTRUNC: number;
  readonly MSG_EOR: number;
  /** sizeof sun_path: 108. */
  readonly UNIX_PATH_MAX: number;
}

export interface Native {
  readonly UnixSocket: new (type: number) => UnixSocket;
  readonly constants: Constants;
  /**
   * A connected AF_INET or AF_INET6 socket's peer, from one getpeername(2) on `fd`: "host:port" or
   * "[host]:port", the host as Node writes socket.remoteAddress; null where the call fails (the peer
   * has gone) or the socket is neither. One of the addon's two calls on node:net sockets (net-calls.ts).
   */
  inetPeerName(fd: number): string | null;
  /**
   * shutdown(fd, SHUT_WR) on a connected node:net stream socket: null where it was made, else the
   * failed call's code ("ENOTCONN", "EBADF"). The other call on node:net sockets (net-calls.ts).
   */
  shutdownWrite(fd: number): string | null;
}

let native: Native | undefined;

/**
 * The addon, loaded on first use: a native module costs start-up time that `--help` should not pay.
 * Throws one line saying how to build it when it is missing or will not load.
 */
export function loadNative(): Native {
  if (native) return native;
  if (!existsSync(ADDON_FILE)) {
    throw new Error(
      `the playground's unix socket addon is not built (${ADDON_FILE}): run npm ci, or node scripts/build-addon.mjs`,
    );
  }
  native = createRequire(import.meta.url)(ADDON_FILE) as Native;
  return native;
}
