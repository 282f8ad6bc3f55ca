// A second, unprivileged user, made for a test and removed after it: what root cannot show (EACCES on
// a directory, the attack of another user) needs someone root is not. Its programs are node, perl or
// sh, never python3, which only root may run on some machines.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CLI, type Finished, finished } from "./cli.js";

export function requireRoot(): void {
  if (process.getuid?.() !== 0)
    throw new Error("these tests need root (a second user is made): run them as root, as CI does");
}

/** Make the user `name` (one left by a killed run is removed first); returns its uid. */
export function makeUser(name: string): number {
  requireRoot();
  spawnSync("userdel", [name]);
  execFileSync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", name]);
  return Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
}

/** Remove the user; userdel refuses while a process of the user lives: kill, then try until it is gone. */
export async function removeUser(name: string): Promise<void> {
  removeReadableCopy();
  for (let tries = 0; tries < 50; tries++) {
    spawnSync("pkill", ["-KILL", "-u", name]);
    if (spawnSync("userdel", [name]).status === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`userdel ${name} kept failing: remove the user by hand`);
}

/** `command args` as the user `uid`: setpriv execs it itself (runuser would fork), so killing it kills it. */
export function asUserArgs(uid: number, command: string, args: string[]): [string, string[]] {
  return ["setpriv", [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", command, ...args]];
}

/** The built CLI with `args`, run to completion as the user `uid`. */
export function playgroundAs(uid: number, args: string[], timeoutMs = 20_000): Promise<Finished> {
  const [command, full] = asUserArgs(uid, process.execPath, [cliFor(uid), ...args]);
  return finished(spawn(command, full, { stdio: ["ignore", "pipe", "pipe"] }), timeoutMs);
}

let readableCopy: string | undefined;

/** Remove the copy of the CLI made for another user (cliFor), if one was made. */
export function removeReadableCopy(): void {
  if (readableCopy) rmSync(dirname(dirname(readableCopy)), { recursive: true, force: true });
  readableCopy = undefined;
}

/**
 * The CLI as the user `uid` can run it. A clone in a private directory (mktemp -d makes it 0700) is
 * out of another user's reach, so then it runs from a copy every user can read: dist/, the built
 * addon and the runtime dependencies, installed from npm's cache, removed with the user (removeUser), or by
 * removeReadableCopy for a user the test did not make (nobody).
 */
function cliFor(uid: number): string {
  const [command, args] = asUserArgs(uid, "test", ["-r", CLI]);
  if (spawnSync(command, args).status === 0) return CLI;
  if (!readableCopy) {
    const root = dirname(dirname(CLI));
    const copy = mkdtempSync(join(tmpdir(), "playground-test-cli-"));
    // native/build: the addon, which --ignore-scripts below would not build again.
    for (const part of ["dist", "native/build", "package.json", "package-lock.json"])
      cpSync(join(root, part), join(copy, part), { recursive: true });
    const npm = ["ci", "--omit=dev", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"];
    execFileSync("npm", npm, { cwd: copy, stdio: "ignore" });
    execFileSync("chmod", ["-R", "a+rX", copy]);
    chmodSync(copy, 0o755);
    readableCopy = join(copy, "dist", "cli.js");
  }
  return readableCopy;
}
