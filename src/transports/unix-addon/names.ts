// Unix addresses as the addon takes them: the exact sun_path bytes. A path is its bytes; an @name is a
// 0 byte and the name, at its exact length, so it meets peers that use the exact length (Python, Go,
// socat by default), which node:net's NUL-padded 108 bytes never do.
import type { Op } from "../../errors.js";
import { OpError } from "../../errors.js";
import { kernelForm, tooLongHint, unixKernelPath } from "../address.js";
import type { TransportName } from "../transport.js";

/**
 * unixKernelPath, checked as `op` would need it: "\0name" for an @name, the path otherwise. A name
 * longer than sun_path is not refused here: the addon passes it whole and the kernel answers it
 * (EINVAL, unix(7)); addonError gives that answer its hint (tooLongHint).
 */
export function addonKernelPath(address: string, transport: TransportName, op: Op): string {
  if (!address.startsWith("@") && address.includes("\0")) {
    throw new OpError(op, transport, address, "EINVAL", "a socket path cannot hold a NUL byte");
  }
  if (tooLongHint(address)) return kernelForm(address);
  try {
    return unixKernelPath(address, transport, op === "bind" || op === "listen" ? "bind" : "connect");
  } catch (err) {
    if (err instanceof OpError && err.op !== op)
      throw new OpError(op, transport, address, err.code, err.hint);
    throw err;
  }
}

/** The kernel form ("\0name" or a path) as the bytes the addon passes, exactly. */
export function kernelName(kernelPath: string): Buffer {
  return Buffer.from(kernelPath);
}

/** sun_path bytes from the kernel as the kernel form ("" for an unnamed socket). */
export function kernelPathOf(name: Buffer): string {
  return name.toString();
}
