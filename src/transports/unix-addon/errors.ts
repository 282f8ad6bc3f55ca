// The library's errors, read back into errno names: it throws strerror text with code 'Unknown', and
// its connect() says "No such file or directory" whatever the kernel said (see library.ts).
import { accessSync, constants, statSync } from "node:fs";
import os from "node:os";
import { getSystemErrorMap } from "node:util";
import { type Op, OpError } from "../../errors.js";
import { socketsAt } from "../socket-file.js";
import type { ErrorContext } from "./library.js";

/** Texts the library uses that are not libuv's wording of the same errno. */
const LIBRARY_TEXTS: Record<string, string> = {
  "path to bind is too long": "ENAMETOOLONG",
  "Try again": "EAGAIN", // the Rust nix crate's text for EAGAIN
  "Bad file number": "EBADF",
  "Transport endpoint is not connected": "ENOTCONN",
  "File name too long": "ENAMETOOLONG",
};

let libuvTexts: Map<string, string> | undefined;

/** The errno name behind an error from the library, which only has text (and code 'Unknown'). */
export function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code in os.constants.errno) return code;
  const text = String((err as { message?: unknown } | undefined)?.message ?? err);
  const number = /\(os error (\d+)\)/.exec(text)?.[1];
  if (number) return errnoName(Number(number)) ?? "EIO";
  // "uv callback of handle_io failed with error: EBADF"
  const named = /\b(E[A-Z0-9]{2,})\b/.exec(text)?.[1];
  if (named && named in os.constants.errno) return named;
  if (LIBRARY_TEXTS[text]) return LIBRARY_TEXTS[text];
  libuvTexts ??= new Map([...getSystemErrorMap().values()].map(([name, message]) => [message, name]));
  return libuvTexts.get(text.toLowerCase()) ?? "EIO";
}

function errnoName(number: number): string | undefined {
  return Object.entries(os.constants.errno).find(([, value]) => value === number)?.[0];
}

export function addonError(err: unknown, op: Op, context: ErrorContext): OpError {
  if (err instanceof OpError) return err;
  return new OpError(op, context.transport, context.address, errnoOf(err), undefined, { cause: err });
}

/**
 * What the kernel said to a failed connect(), which the library always reports as "No such file or
 * directory" (strace shows ENOENT, ECONNREFUSED or EAGAIN). Path sockets only.
 */
export function whyConnectFailed(path: string): string {
  try {
    // stat, not lstat: connect() follows symlinks, so a dangling link is ENOENT to the kernel too.
    statSync(path);
    // Connecting needs write permission on the socket file: unix(7).
    accessSync(path, constants.W_OK);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? "ENOENT";
  }
  const bound = socketsAt(path);
  // A stream or dgram socket bound there: the kernel finds it, sees the wrong type.
  if (bound.some((s) => s.type !== SOCK_SEQPACKET)) return "EPROTOTYPE";
  // A seqpacket listener is there, so only its full accept queue can have turned us away.
  if (bound.some((s) => s.listening)) return "EAGAIN";
  // A regular file, or a socket file whose socket is gone (stale): nobody to connect to.
  return "ECONNREFUSED";
}

const SOCK_SEQPACKET = 5;
