// A node:net TCP socket's peer, through the addon: the addon's one call that is not AF_UNIX.
//
// A TCP server names every peer it accepts ("Connection from 127.0.0.1:54321 ..."), and Node learns
// it only when asked, with a getpeername(2) behind socket.remoteAddress or the handle's
// getpeername(). Node's way fills an object through three V8 property stores and formats the address
// with snprintf(): about 4,700 instructions, some 3 % of what `playground server` spends on a whole
// session of the lab's client, and a cost the floor it is measured against never pays (callgrind,
// BENCHMARKS.md). The addon makes the same one call and returns the string: about 600. The kernel
// is asked the same thing either way; where the addon is not built, Node's way is used.
import { existsSync } from "node:fs";
import { ADDON_FILE, loadNative, type Native } from "./native.js";

let peerAddon: Native | null | undefined; // null: not there, or without the call (looked for once)

/**
 * The peer of the connected TCP socket whose fd this is: "host:port", "[host]:port", or "" where the
 * kernel names none (it has gone, or the socket is not AF_INET or AF_INET6); undefined where the
 * addon is not there, for the caller's own way.
 * Node's way throws where a link-local peer's interface has gone since; this names it by its number.
 */
export function peerNameOf(fd: number): string | undefined {
  const addon = preparePeerNames();
  if (addon === null) return undefined;
  return addon.inetPeerName(fd) ?? "";
}

/**
 * Load the addon now, if it is there, rather than inside a server's first session: a TCP server
 * calls this when it starts listening. A TCP server serves without the addon, or with one built
 * before inetPeerName() was (a `git pull` without `npm ci`); unix-dgram and unix-seqpacket say
 * it is missing.
 */
export function preparePeerNames(): Native | null {
  if (peerAddon !== undefined) return peerAddon;
  peerAddon = null;
  if (existsSync(ADDON_FILE)) {
    try {
      const addon = loadNative();
      if (typeof addon.inetPeerName === "function") peerAddon = addon;
    } catch {} // it would not load: Node's way, and the unix transports say why when used
  }
  return peerAddon;
}
