// A unix socket file is a door anyone who can write to it may knock on (unix(7)), so a long-running
// server places its file the careful way:
//   - it refuses a directory another user can write to, unless the sticky bit keeps them from
//     renaming or deleting what is ours (as OpenSSH's StrictModes and PostgreSQL do for theirs):
//     there, another user could swap the socket or the private directory for a symlink;
//   - it binds inside a fresh 0700 directory next to the path with the umask that gives the file
//     --mode as bind() creates it: no chmod(2) ever follows a path someone could have swapped in the
//     meantime (a server run as root would change the mode of the symlink's target); then it links
//     the file into place (link(2) never replaces what is already there, unlike rename(2));
//   - a socket file nobody answers (stale: a crashed server's) is replaced; a live server's path is
//     never taken; a regular file, directory or symlink there is never deleted;
//   - on exit it removes the path only if it is still its own file (same inode), never a newer one.
// node:net unlinks its socket by name when it closes; binding under a private name keeps it from
// unlinking a newer server's file. A datagram socket must be bound where it is (`inPlace`): it answers
// from the address it was bound to, and a peer checks that address. There umask 0177 alone closes the
// window, and node-unix-socket does not unlink by name.
import { linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, unlinkSync } from "node:fs";
import net from "node:net";
import { basename, dirname, join } from "node:path";
import { OpError, UsageError } from "../errors.js";
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
  /** Undoes bindAt() when the file cannot be placed: the socket must not go on at a private name. */
  close: (value: T) => unknown,
  inPlace = false,
): Promise<PlacedSocket<T>> {
  refuseSharedDirectory(path);
  // Servers started at once on one path take turns: the check that the path is free, the bind and
  // the link are one step for each, so exactly one wins and every other finds it there.
  const unlock = await lock(path);
  try {
    await clearTheWay(path, transport);
    if (inPlace) {
      const value = await withMode(mode, () => bindAt(path));
      const { ino } = lstatSync(path);
      return { value, boundAs: path, remove: removedAtExit(path, ino) };
    }
    const dir = mkdtempSync(join(dirname(path), `.${basename(path)}-`)); // mkdtemp makes it 0700
    const boundAs = join(dir, "socket");
    try {
      const value = await withMode(mode, () => bindAt(boundAs));
      const { ino } = lstatSync(boundAs);
      try {
        linkSync(boundAs, path);
      } catch (err) {
        await close(value);
        // Only something that is not a playground server, which takes no turn, can be there now.
        const code = (err as NodeJS.ErrnoException).code ?? "EEXIST";
        throw new OpError("bind", transport, path, code, "something took the path while we bound: try again");
      }
      return { value, boundAs, remove: removedAtExit(path, ino) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    unlock();
  }
}

/** How long a start waits for another start on the same path to finish, and when a turn is stale. */
const TURN_PATIENCE_MS = 5_000;

/**
 * A turn at `path`: the directory `.<name>.lock` beside it, which mkdir(2) makes or refuses at once.
 * A starter that died holding it (SIGKILL, in the few milliseconds it takes) left it behind: one older
 * than TURN_PATIENCE_MS is taken over.
 */
async function lock(path: string): Promise<() => void> {
  const turn = join(dirname(path), `.${basename(path)}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(turn, 0o700);
      const unlock = () => {
        atExit.delete(unlock);
        rmSync(turn, { recursive: true, force: true });
      };
      hookExit();
      atExit.add(unlock);
      return unlock;
    } catch (err) {
      const { code } = err as NodeJS.ErrnoException;
      if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
        throw new UsageError(
          `--path ${path}: this user cannot make files in ${dirname(path)} (${code}) — choose a directory you can write to`,
        );
      }
      if (code !== "EEXIST") throw err;
    }
    if (Date.now() - started > TURN_PATIENCE_MS) {
      const stale =
        Date.now() - (statSync(turn, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > TURN_PATIENCE_MS;
      if (!stale) {
        throw new UsageError(
          `--path ${path}: another server has been starting there for ${TURN_PATIENCE_MS / 1000} s (${turn}) — try again, or choose another --path`,
        );
      }
      rmSync(turn, { recursive: true, force: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * bind() creates the socket file with the mode 0777 less the umask (unix(7)): with the umask set from
 * `mode` the file has --mode from its first instant, and nothing changes it afterwards.
 */
export function withMode<T>(mode: number, bind: () => T): T {
  const old = process.umask(0o777 & ~mode);
  try {
    return bind(); // node:net and node-unix-socket both bind synchronously, inside this call
  } finally {
    process.umask(old);
  }
}

/**
 * Refuse a directory another user can write to without the sticky bit (or that another user owns):
 * they could replace our socket, or the private directory we bind in, with a symlink while we start.
 */
function refuseSharedDirectory(path: string): void {
  const dir = dirname(path);
  const { mode, uid } = statSync(dir);
  const sticky = (mode & 0o1000) !== 0;
  const me = process.getuid?.() ?? 0;
  const who =
    uid !== me && uid !== 0
      ? `belongs to another user (uid ${uid})`
      : !sticky && mode & 0o022
        ? `can be written by ${mode & 0o002 ? "every user" : "its group"} and has no sticky bit`
        : undefined;
  if (who === undefined) return;
  throw new UsageError(
    `--path ${path}: the directory ${dir} ${who}, so another user could swap the socket for a symlink ` +
      "while the server starts — use a directory only you can write to, or one with the sticky bit (like /tmp)",
  );
}

/** Files to remove however the process ends: process.exit() on EPIPE, an uncaught exception too. */
const atExit = new Set<() => void>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once("exit", () => {
    for (const remove of atExit) remove();
  });
}

/**
 * remove() for a placed file, also run at exit if nobody called it: a server stopped any way but
 * SIGKILL leaves no socket file behind.
 */
function removedAtExit(path: string, ino: number): () => void {
  hookExit();
  const remove = () => {
    atExit.delete(remove);
    removeIfOurs(path, ino);
  };
  atExit.add(remove);
  return remove;
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
    throw new UsageError(
      `--path ${path}: a server is already there — stop it first, or choose another --path`,
    );
  }
  // connect() was refused: no socket is bound to this file any more. A crashed server left it.
  rmSync(path, { force: true });
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
