// The addon's two calls on node:net sockets, which are not AF_UNIX sockets of its own: each makes
// the one system call Node would make, for less than Node's own way costs a busy server. The kernel
// is asked the same thing either way; where the addon is not built, or was built before the call
// existed (a `git pull` without `npm ci`), the caller uses Node's way.
//
// - inetPeerName(fd): a TCP server names every peer it accepts ("Connection from 127.0.0.1:54321
//   ..."), and Node learns it only when asked, with a getpeername(2) behind socket.remoteAddress or
//   the handle's getpeername(). Node's way fills an object through three V8 property stores and
//   formats the address with snprintf(): about 4,700 instructions, some 3 % of what `playground
//   server` spends on a whole session of the lab's client, and a cost the floor it is measured
//   against never pays (callgrind, BENCHMARKS.md). The addon returns the string: about 600.
// - shutdownWrite(fd): a server shuts its side right behind its reply, and a client behind its
//   message. Node's socket.end() makes the shutdown(2) one turn of the event loop later, through a
//   request object, a POLLOUT wait and a callback through its stream code (net-node.ts end() says
//   what that cost).
import { existsSync } from "node:fs";
import { ADDON_FILE, loadNative, type Native } from "./native.js";

/** The addon, where it is there with each call; looked for once. */
let netAddon: { peerName: boolean; shutdownWrite: boolean; native: Native } | null | undefined;

/**
 * The peer of the connected TCP socket whose fd this is: "host:port", "[host]:port", or "" where the
 * kernel names none (it has gone, or the socket is not AF_INET or AF_INET6); undefined where the
 * addon is not there, for the caller's own way.
 * Node's way throws where a link-local peer's interface has gone since; this names it by its number.
 */
export function peerNameOf(fd: number): string | undefined {
  const addon = prepareNetCalls();
  if (!addon?.peerName) return undefined;
  return addon.native.inetPeerName(fd) ?? "";
}

/**
 * shutdown(fd, SHUT_WR) on a connected node:net stream socket, now: null where it was made, the
 * error's code where it failed ("ENOTCONN"), undefined where the addon is not there. Node does not
 * know: the caller keeps the socket's state (net-node.ts end()).
 */
export function shutdownWriteOf(fd: number): string | null | undefined {
  const addon = prepareNetCalls();
  if (!addon?.shutdownWrite) return undefined;
  return addon.native.shutdownWrite(fd);
}

/**
 * Load the addon now, if it is there, rather than inside a first session: a server calls this when
 * it starts listening, a client when it dials. TCP and unix-stream work without the addon;
 * unix-dgram and unix-seqpacket say it is missing.
 */
export function prepareNetCalls(): typeof netAddon {
  if (netAddon !== undefined) return netAddon;
  netAddon = null;
  if (existsSync(ADDON_FILE)) {
    try {
      const native = loadNative();
      const peerName = typeof native.inetPeerName === "function";
      const shutdownWrite = typeof native.shutdownWrite === "function";
      if (peerName || shutdownWrite) netAddon = { peerName, shutdownWrite, native };
    } catch {} // it would not load: Node's way, and the unix transports say why when used
  }
  return netAddon;
}
