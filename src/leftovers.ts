// What a command makes that must not outlive it — temp dirs (with the socket files in them), child
// processes, a progress bar that hid the cursor — has one owner: this registry. However the process
// ends, they go: a normal exit, process.exit() (EPIPE), an uncaught exception (the 'exit' hook), and
// SIGINT or SIGTERM once a command has called exitOnInterrupt(). An interrupt stops the children
// first (SIGTERM, so that each cleans up after itself; SIGKILL if it lingers), then removes the rest,
// says in one line that the command was interrupted, and exits 128 + the signal's number (130 for
// SIGINT, 143 for SIGTERM), as a shell reports it and as `playground server` exits on a second signal.
// A second signal stops at once. Only SIGKILL leaves anything behind; a bench server then stops by
// itself when its standard input closes (bench-server.ts).
//
// `playground server` does not call exitOnInterrupt(): its first signal drains the sessions in
// flight (commands/server.ts).
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

/** How long children get to stop after SIGTERM on an interrupt, and then to go after SIGKILL. */
const CHILD_GRACE_MS = 3000;
const CHILD_KILL_MS = 1000;

const undos = new Set<() => void>();
const children = new Map<ChildProcess, { group: boolean }>();
let interruptedBy: NodeJS.Signals | undefined;
let exitHooked = false;
let signalsHooked = false;

/** Run `undo` when the process ends, unless the function returned runs it first: it runs once. */
export function atExit(undo: () => void): () => void {
  hookExit();
  const once = () => {
    if (undos.delete(once)) undo();
  };
  undos.add(once);
  return once;
}

export interface TempDir {
  path: string;
  /** Remove it and everything in it, now rather than at exit. */
  remove(): void;
}

/** A fresh private (0700) directory in the temp dir, `prefix` then six random characters. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(os.tmpdir(), prefix));
  return { path, remove: atExit(() => rmSync(path, { recursive: true, force: true })) };
}

/**
 * A child that must not outlive this process. `group`: it was spawned `detached`, leading a process
 * group of its own (strace and what it runs), and the whole group gets the signal.
 */
export function ownChild<T extends ChildProcess>(child: T, options: { group?: boolean } = {}): T {
  hookExit();
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return child;
  children.set(child, { group: options.group ?? false });
  child.once("exit", () => children.delete(child));
  if (interruptedBy) signal(child, "SIGTERM"); // started while the interrupt waits: stop it too
  return child;
}

/**
 * Resolves at once, unless an interrupt is stopping the process: then never, so that the caller starts
 * nothing new and prints no results while the handler cleans up and exits. Long loops await it between
 * their steps, and work that ends because its children were stopped awaits it before going on.
 */
export function notInterrupted(): Promise<void> {
  return interruptedBy ? new Promise(() => {}) : Promise.resolve();
}

/** SIGINT and SIGTERM: stop the children, remove everything, say so in one line, exit 130 or 143. */
export function exitOnInterrupt(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
}

function onSignal(name: NodeJS.Signals): void {
  const code = 128 + (os.constants.signals[name] ?? 15);
  if (interruptedBy) {
    removeAll();
    process.stderr.write(`playground: ${name} again: stopped at once, and removed what it made\n`);
    process.exit(code);
  }
  interruptedBy = name;
  void stopChildren().finally(() => {
    removeAll();
    process.stderr.write(`playground: interrupted by ${name}: stopped, and removed what it made\n`);
    process.exit(code);
  });
}

async function stopChildren(): Promise<void> {
  for (const child of children.keys()) {
    signal(child, "SIGTERM");
    signal(child, "SIGCONT"); // a child an experiment froze (SIGSTOP) acts on SIGTERM only once woken
  }
  await until(() => children.size === 0, CHILD_GRACE_MS);
  for (const child of children.keys()) signal(child, "SIGKILL");
  await until(() => children.size === 0, CHILD_KILL_MS);
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    if (children.get(child)?.group) process.kill(-(child.pid as number), name);
    else child.kill(name);
  } catch {
    // Already gone.
  }
}

/** Kill what still runs, then undo everything, the newest first (a file before the dir it is in). */
function removeAll(): void {
  for (const child of children.keys()) signal(child, "SIGKILL");
  for (const undo of [...undos].reverse()) {
    try {
      undo();
    } catch {
      // One thing that cannot be removed must not keep the rest.
    }
  }
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once("exit", removeAll);
}
