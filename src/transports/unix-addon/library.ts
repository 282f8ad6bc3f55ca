// The one door to the npm package node-unix-socket (0.2.7), which makes the SOCK_SEQPACKET and
// SOCK_DGRAM unix sockets that node:net and node:dgram cannot. It is a native addon (Rust, napi-rs)
// with sharp edges; this folder keeps every one of them on this side of the door:
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
//
// This folder is that door, split by concern: library.ts loads the library and says what paths it
// cannot take, errors.ts reads its errors back into errnos, seqpacket.ts and dgram.ts wrap its two
// socket kinds, child.ts is the library alone in a child Node (for strace). index.ts is what the rest
// of the playground may use; nothing outside this folder loads the package.
import { createRequire } from "node:module";
import type * as Addon from "node-unix-socket";
import { type Op, OpError } from "../../errors.js";
import { isAbstract, unixKernelPath, whyNoAbstract } from "../address.js";
import type { TransportName } from "../transport.js";

export type { Addon };

/** Who is asking, for the OpErrors: the transport and the address in user form. */
export interface ErrorContext {
  readonly transport: TransportName;
  readonly address: string;
}

let addon: typeof Addon | undefined;

export function load(context: ErrorContext): typeof Addon {
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
