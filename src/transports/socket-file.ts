// A unix socket file is a door anyone who can write to it may knock on (unix(7)), so a long-running
// server places its file the careful way:
//   - it binds inside a fresh 0700 directory next to the path, with umask 0177, so no other user can
//     connect during any instant, then chmods it to --mode and links it into place (link(2) never
//     replaces what is already there, unlike rename(2));
//   - a socket file nobody answers (stale: a crashed server's) is replaced; a live server's path is
//     never taken; a regular file, directory or symlink there is never deleted;
//   - on exit it removes the path only if it is still its own file (same inode), never a newer one.
// node:net unlinks its socket by name when it closes; binding under a private name keeps it from
// unlinking a newer server's file. A datagram socket must be bound where it is (`inPlace`): it answers
// from the address it was bound to, and a peer checks that address. There umask 0177 alone closes the
// window, and node-unix-socket does not unlink by name.
import { linkSync, lstatSync, mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { chmod } from "node:fs/promises";
import net from "node:net";
import { basename, dirname, join } from "node:path";
import { OpError } from "../errors.js";
import type { TransportName } from "./transport.js";

export interface PlacedSocket<T> {
  value: T;
  /** The private name it was bound under before it was linked into place. */
  boundAs: string;
  /** Remove the socket file if it is still ours. */
  remove(): void;
}

export async function placeSocketFile<T>(
  path: string,
  mode: number,
  transport: TransportName,
  bindAt: (privatePath: string) => Promise<T>,
  inPlace = false,
): Promise<PlacedSocket<T>> {
  await clearTheWay(path, transport);
  if (inPlace) {
    const value = await withUmask(() => bindAt(path));
    await chmod(path, mode);
    const { ino } = lstatSync(path);
    return { value, boundAs: path, remove: () => removeIfOurs(path, ino) };
  }
  const dir = mkdtempSync(join(dirname(path), `.${basename(path)}-`)); // mkdtemp makes it 0700
  const boundAs = join(dir, "socket");
  try {
    const value = await withUmask(() => bindAt(boundAs));
    await chmod(boundAs, mode);
    const { ino } = lstatSync(boundAs);
    try {
      linkSync(boundAs, path);
    } catch (err) {
      throw new OpError(
        "bind",
        transport,
        path,
        (err as NodeJS.ErrnoException).code ?? "EEXIST",
        "something took the path while we bound: try again",
      );
    }
    return { value, boundAs, remove: () => removeIfOurs(path, ino) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bind() creates the file: with umask 0177 it is 0600 from its first instant. */
function withUmask<T>(bind: () => Promise<T>): Promise<T> {
  const old = process.umask(0o177);
  try {
    return bind(); // node:net and node-unix-socket both bind synchronously, inside this call
  } finally {
    process.umask(old);
  }
}

function removeIfOurs(path: string, ino: number): void {
  try {
    if (lstatSync(path).ino === ino) unlinkSync(path);
  } catch {
    // Already gone: nothing of ours to remove.
  }
}

/** Make sure binding `path` will take nothing that is not ours to take. */
async function clearTheWay(path: string, transport: TransportName): Promise<void> {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) {
    const what = stat.isSymbolicLink()
      ? "a symlink"
      : stat.isDirectory()
        ? "a directory"
        : "a file that is not a socket";
    throw new OpError(
      "bind",
      transport,
      path,
      "EEXIST",
      `${what} is there, and it is never deleted — choose another --path`,
    );
  }
  if ((await knock(path)) !== "ECONNREFUSED") {
    throw new OpError(
      "bind",
      transport,
      path,
      "EADDRINUSE",
      "a server is already listening there — stop it first, or choose another --path",
    );
  }
  // connect() was refused: no socket is bound to this file any more. A crashed server left it.
  unlinkSync(path);
}

/** Try to connect: ECONNREFUSED means a stale file; anything else (even EPROTOTYPE) means a live socket. */
function knock(path: string): Promise<string> {
  return new Promise((resolve) => {
    const probe = net.connect({ path });
    probe.once("connect", () => {
      // A polite goodbye, so the live server sees a peer that left, not a reset.
      probe.end();
      setTimeout(() => probe.destroy(), 1000).unref();
      resolve("connected");
    });
    probe.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "EIO"));
  });
}
