// Addresses travel through the program as the strings a user types and reads: `127.0.0.1:1234`,
// `[::1]:1234`, `/tmp/x.sock`, `@name`. Only the transports turn them into what the kernel takes.
import { OpError } from "../errors.js";
import type { TransportName } from "./transport.js";

/** sun_path is 108 bytes and a pathname needs its terminating NUL: unix(7). */
export const UNIX_PATH_MAX = 107;

export function formatInet(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseInet(address: string): { host: string; port: number } {
  const match = /^\[(.*)\]:(\d+)$/.exec(address) ?? /^([^:]*):(\d+)$/.exec(address);
  if (!match) throw new Error(`not an ip:port address: ${address}`);
  return { host: match[1] as string, port: Number(match[2]) };
}

/** `@name` is a Linux abstract name, written the way ss, socat and Go write it. */
export function isAbstract(address: string): boolean {
  return address.startsWith("@");
}

/**
 * The string Node and the playground's addon take for a unix address: a path, or NUL + name for an
 * abstract name. Rejects what the kernel cannot hold, because Node would silently cut a long path at 108 bytes.
 */
export function unixKernelPath(address: string, transport: TransportName, op: "bind" | "connect"): string {
  const kernel = kernelForm(address);
  const limit = isAbstract(address) ? UNIX_PATH_MAX + 1 : UNIX_PATH_MAX;
  const bytes = Buffer.byteLength(kernel);
  if (bytes > limit) {
    throw new OpError(
      op,
      transport,
      address,
      "ENAMETOOLONG",
      `${bytes} bytes, and sun_path holds at most ${UNIX_PATH_MAX} — use a shorter path`,
    );
  }
  if (address === "" || address === "@") {
    throw new OpError(op, transport, address, "EINVAL", "a unix address needs a path or an @name");
  }
  return kernel;
}

/** A unix address as the kernel takes it: "\0name" for an @name, a path as it is. Unchecked. */
export function kernelForm(address: string): string {
  return isAbstract(address) ? `\0${address.slice(1)}` : address;
}

/** The hint for a unix name longer than sun_path holds: the kernel's EINVAL, or our ENAMETOOLONG. */
export function tooLongHint(address: string): string | undefined {
  const bytes = Buffer.byteLength(kernelForm(address));
  const limit = isAbstract(address) ? UNIX_PATH_MAX + 1 : UNIX_PATH_MAX;
  return bytes > limit
    ? `${bytes} bytes, and sun_path holds at most ${UNIX_PATH_MAX} — use a shorter path`
    : undefined;
}

/** How the kernel's form reads back to a user: NUL-led names as @name. */
export function describeUnix(kernelPath: string): string {
  return kernelPath.startsWith("\0") ? `@${kernelPath.slice(1).replace(/\0+$/, "")}` : kernelPath;
}

/**
 * Said wherever a user meets an abstract name: how long the name the kernel holds is decides which
 * peers meet it, and that is invisible until one fails to.
 */
export function abstractNameNote(address: string, transport: TransportName): string {
  const name = address.slice(1);
  const intro = `${address} is an abstract name: no file, gone when the socket closes (unix(7)).`;
  if (transport !== "unix-stream") {
    return (
      `${intro} The playground's addon passes it at its exact length, as Python, Go and socat do by ` +
      `default, so they meet it: in Python, "\\0${name}".`
    );
  }
  return (
    `${intro} Node (libuv) passes ` +
    "the whole 108-byte sun_path, so the kernel holds the name NUL-padded (see /proc/net/unix); a peer " +
    "that gives the exact length (Python, Go, socat by default) will not meet it. With socat use " +
    `ABSTRACT-CONNECT:${name},unix-tightsocklen=0; in Python, connect to "\\0${name}".ljust(108, "\\0").`
  );
}
