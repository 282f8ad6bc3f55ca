// A node:net TCP socket's peer, through the addon: the addon's one call that is not AF_UNIX.
//
// A TCP server names every peer it accepts ("Connection from 127.0.0.1:54321 ..."), and Node learns
// it only when asked, with a getpeername(2) behind socket.remoteAddress or the handle's
// getpeername(). Node's way fills an object through three V8 property stores and formats the address
// with snprintf(): about 4,700 instructions, some 3 % of what `playground server` spends on a whole
// session of the lab's client, and a cost the floor it is measured against never pays (callgrind,
// BENCHMARKS.md). The addon makes the same one call and returns the string: about 700. The kernel
// is asked the same thing either way; where the addon is not built, Node's way is used.
import { existsSync } from "node:fs";
import { ADDON_FILE, loadNative, type Native } from "./native.js";

let native: Native | null | undefined; // null: not built, or it would not load (asked once)

/**
 * The peer of the connected TCP socket whose fd this is: "host:port", "[host]:port", or "" where the
 * kernel names none (it has gone); undefined where the addon is not there, for the caller's own way.
 */
export function inetPeerName(fd: number): string | undefined {
  native ??= loaded();
  if (native === null) return undefined;
  return native.inetPeerName(fd) ?? "";
}

/** The addon, or null: a TCP server serves without it (unix-dgram and unix-seqpacket say it is missing). */
function loaded(): Native | null {
  if (!existsSync(ADDON_FILE)) return null;
  try {
    return loadNative();
  } catch {
    return null;
  }
}
