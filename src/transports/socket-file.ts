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
// window, and the addon's sockets do not unlink by name.
import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
} from "node:fs";
import net from "node:net";
import { basename, dirname, join, resolve } from "node:path";
import { OpError, UsageError } from "../errors.js";
import { atExit } from "../leftovers.js";
import type { Trace } from "../trace/events.js";
import { gatedTrace } from "../trace/gate.js";
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
    await clearTheWay(path);
    if (inPlace) {
      const value = await withMode(mode, () => bindAt(path));
      const ino = await checkMode(path, mode, value, close, transport);
      return { value, boundAs: path, remove: removedAtExit(path, ino) };
    }
    const dir = fsStep(path, "make", () => mkdtempSync(privateDirPrefix(path))); // mkdtemp: 0700
    const boundAs = join(dir, PRIVATE_NAME);
    try {
      const value = await withMode(mode, () => bindAt(boundAs));
      const ino = await checkMode(boundAs, mode, value, close, transport);
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

/** The private name is `.<name>-XXXXXX/socket` beside the path: mkdtemp(3) fills in the Xs. */
const PRIVATE_NAME = "socket";

function privateDirPrefix(path: string): string {
  return join(dirname(path), `.${basename(path)}-`);
}

/**
 * Whether `bound`, a name a socket was bound to (as /proc/net/unix lists it), is a private name that a
 * server placed at `path` was bound under: the kernel lists a placed socket by that name only.
 */
export function isPrivateNameOf(path: string, bound: string): boolean {
  const prefix = privateDirPrefix(resolve(path));
  const rest = bound.startsWith(prefix) ? bound.slice(prefix.length) : "";
  return /^[A-Za-z0-9]{6}$/.test(dirname(rest)) && basename(rest) === PRIVATE_NAME;
}

/**
 * placeSocketFile() for a listening socket: its socket(), bind() and listen() are reported only once
 * the file is in place ("listening" is said when peers can reach it), and never if it is not; a
 * failure is said.
 */
export async function placeListener<T>(
  trace: Trace,
  path: string,
  mode: number,
  transport: TransportName,
  listenAt: (privatePath: string, trace: Trace) => Promise<T>,
  close: (value: T) => unknown,
): Promise<PlacedSocket<T>> {
  const gate = gatedTrace(trace);
  try {
    const placed = await placeSocketFile(path, mode, transport, (at) => listenAt(at, gate), close);
    gate.open();
    return placed;
  } catch (err) {
    gate.discard();
    throw err;
  }
}

/**
 * The inode of the socket file just bound, once its mode is seen to be --mode: withMode() only works
 * if bind() made the file inside its call, and this says so if some change ever breaks that.
 */
async function checkMode<T>(
  file: string,
  mode: number,
  value: T,
  close: (value: T) => unknown,
  transport: TransportName,
): Promise<number> {
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (stat?.isSocket() && (stat.mode & 0o777) === mode) return stat.ino;
  await close(value);
  const got = stat ? (stat.mode & 0o777).toString(8) : "no file";
  throw new OpError(
    "bind",
    transport,
    file,
    "EPERM",
    `the socket file came out ${got}, not ${mode.toString(8)}`,
  );
}

/** How long a start waits for another start on the same path to finish, and when a turn is stale. */
const TURN_PATIENCE_MS = 5_000;

/**
 * A turn at `path`: the directory `.<name>.lock` beside it, which mkdir(2) makes or refuses at once.
 * A starter that died holding it (SIGKILL, in the few milliseconds it takes) left it behind: an empty
 * one of our own user, older than TURN_PATIENCE_MS, is taken over; rmdir(2) removes nothing else, and
 * another user's is never touched.
 */
async function lock(path: string): Promise<() => void> {
  const turn = join(dirname(path), `.${basename(path)}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(turn, 0o700);
      return atExit(() => rmdirQuietly(turn));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw fsFailure(path, "make", err);
    }
    if (Date.now() - started > TURN_PATIENCE_MS) takeOver(path, turn);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A turn left by a starter that died, or a usage error saying why it is not ours to take. */
function takeOver(path: string, turn: string): void {
  const stat = lstatSync(turn, { throwIfNoEntry: false });
  if (!stat) return; // gone meanwhile: the next mkdir() decides
  const me = process.geteuid?.() ?? 0;
  const why = !stat.isDirectory()
    ? "is not the directory a playground server makes there"
    : stat.uid !== me
      ? `belongs to another user (uid ${stat.uid})`
      : Date.now() - stat.mtimeMs <= TURN_PATIENCE_MS
        ? `says another server has been starting there for ${TURN_PATIENCE_MS / 1000} s`
        : undefined;
  if (why === undefined && rmdirQuietly(turn)) return;
  throw new UsageError(
    `--path ${path}: ${turn} ${why ?? "is not empty"} — try again, or choose another --path`,
  );
}

/** rmdir(2): an empty directory only. Whether it is gone. */
function rmdirQuietly(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/**
 * bind() creates the socket file with the mode 0777 less the umask (unix(7)): with the umask set from
 * `mode` the file has --mode from its first instant, and nothing changes it afterwards.
 */
export function withMode<T>(mode: number, bind: () => T): T {
  const old = process.umask(0o777 & ~mode);
  try {
    return bind(); // node:net and the addon both bind synchronously, inside this call
  } finally {
    process.umask(old);
  }
}

/**
 * Refuse a directory another user can write to without the sticky bit, or that another user owns, on
 * the way to the socket: they could replace our socket, the private directory we bind in, or a
 * directory above them with a symlink while we start (OpenSSH's StrictModes checks every directory up
 * to / too). Both the path as given and the one its symlinks lead to are checked.
 */
function refuseSharedDirectory(path: string): void {
  const given = resolve(dirname(path));
  const dirs = new Set([...ancestors(given), ...ancestors(fsStep(path, "reach", () => realpathSync(given)))]);
  const me = process.geteuid?.() ?? 0;
  for (const dir of dirs) {
    const { mode, uid } = fsStep(path, "reach", () => statSync(dir));
    const sticky = (mode & 0o1000) !== 0;
    const who =
      uid !== me && uid !== 0
        ? `belongs to another user (uid ${uid})`
        : !sticky && mode & 0o022
          ? `can be written by ${mode & 0o002 ? "every user" : "its group"} and has no sticky bit`
          : undefined;
    if (who === undefined) continue;
    throw new UsageError(
      `--path ${path}: the directory ${dir} ${who}, so another user could swap the socket for a symlink ` +
        "while the server starts — use a directory only you can write to, or one with the sticky bit (like /tmp)",
    );
  }
}

/**
 * A step on the file system for --path, its failure said as the user's problem with that path, not as
 * Node's message (`EACCES: permission denied, mkdtemp '/usr/.s.sock-XXXXXX'`): making a file beside
 * it, or reaching its directory.
 */
function fsStep<T>(path: string, doing: "make" | "reach", step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw fsFailure(path, doing, err);
  }
}

function fsFailure(path: string, doing: "make" | "reach", err: unknown): UsageError {
  const code = (err as NodeJS.ErrnoException).code ?? "EIO";
  const dir = dirname(path);
  const denied = code === "EACCES" || code === "EPERM";
  const why =
    doing === "reach"
      ? `this user may not enter ${dir}, or a directory above it`
      : code === "EROFS"
        ? `${dir} is on a read-only file system`
        : denied
          ? `this user may not make files in ${dir}`
          : `no file can be made in ${dir}`;
  return new UsageError(
    `--path ${path}: ${why} (${code}) — choose a directory you can write to, such as /tmp`,
  );
}

/** "/a/b" and every directory above it: "/", "/a", "/a/b". */
function ancestors(dir: string): string[] {
  const all = [dir];
  for (let up = dirname(dir); up !== all.at(-1); up = dirname(up)) all.push(up);
  return all.reverse();
}

/**
 * remove() for a placed file, also run at exit if nobody called it (leftovers.ts): a server stopped
 * any way but SIGKILL leaves no socket file behind, process.exit() on EPIPE and an uncaught exception
 * included.
 */
function removedAtExit(path: string, ino: number): () => void {
  return atExit(() => removeIfOurs(path, ino));
}

function removeIfOurs(path: string, ino: number): void {
  try {
    if (lstatSync(path).ino === ino) unlinkSync(path);
  } catch {
    // Already gone: nothing of ours to remove.
  }
}

/** Make sure binding `path` will take nothing that is not ours to take. */
async function clearTheWay(path: string): Promise<void> {
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
    // Said as the early check in commands/addresses.ts says it; here too, for what appears meanwhile.
    throw new UsageError(`--path ${path} is ${what}, and a server never deletes one — choose another --path`);
  }
  const knocked = await knock(path);
  // A file that does not let us connect (EACCES): the kernel's own table says whether anyone is bound.
  const live =
    knocked === "EACCES" || knocked === "EPERM" ? socketsAt(path).length > 0 : knocked !== "ECONNREFUSED";
  if (live) {
    throw new UsageError(
      `--path ${path}: a server is already there — stop it first, or choose another --path`,
    );
  }
  // No socket is bound to this file any more: a crashed server left it. Another user's, in a sticky
  // directory such as /tmp, is not ours to remove (unlink(2): EPERM), and is left alone.
  try {
    unlinkSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return; // gone meanwhile
    if (code !== "EPERM" && code !== "EACCES") throw err;
    throw new UsageError(
      `--path ${path}: a socket file left by a server of another user (uid ${stat.uid}) that has stopped; ` +
        "it is not yours to remove — ask them (or root) to remove it, or choose another --path",
    );
  }
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

const SO_ACCEPTCON = 0x10000; // "listening", in /proc/net/unix's Flags column

/** Sockets bound at `path`, from /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path". */
export function socketsAt(path: string): { type: number; listening: boolean }[] {
  let table: string;
  try {
    table = readFileSync("/proc/net/unix", "utf8");
  } catch {
    return [];
  }
  const wanted = new Set([path, resolve(path)]);
  return table.split("\n").flatMap((line) => {
    const row = /^\S+:\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+([0-9A-Fa-f]+)\s+\S+\s+\d+ (.+)$/.exec(line);
    // A placed server's socket is listed under the private name it was bound to (socket-file.ts).
    const bound = row?.[3] as string;
    if (!row || !(wanted.has(bound) || isPrivateNameOf(path, bound))) return [];
    return [
      {
        type: Number.parseInt(row[2] as string, 16),
        listening: (Number.parseInt(row[1] as string, 16) & SO_ACCEPTCON) !== 0,
      },
    ];
  });
}
