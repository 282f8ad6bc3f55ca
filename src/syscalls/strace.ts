// Run the playground again, as a child, under `strace -f`, and collect what both said: the child's
// NDJSON SocketEvents from its stdout, and strace's log from a file in a private temp dir (removed
// afterwards). The child gets its own process group, so Ctrl-C stops strace and the child with us
// (leftovers.ts signals the whole group, and waits for it: the traced playground removes its own files).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { notInterrupted, ownChild, tempDir } from "../leftovers.js";
import { findProgram } from "../tools.js";

/** The calls that can touch a socket: all of %network, the read/write family, close. */
const TRACED = "trace=%network,read,readv,write,writev,close";

const MISSING = "--trace-syscalls needs strace: apt-get install strace";
const NO_PTRACE =
  "--trace-syscalls: strace cannot trace here: ptrace is not permitted " +
  "(in a container, run it with --cap-add=SYS_PTRACE)";

export interface Traced {
  stdout: string;
  stderr: string;
  code: number | null;
  /** strace's log: one system call per line, `<unfinished ...>` pairs included. */
  log: string;
}

/** `strace -f ... node <this CLI> ...args`, to completion. */
export async function runUnderStrace(args: string[]): Promise<Traced> {
  const strace = findProgram("strace");
  if (!strace) throw new Error(MISSING);
  const dir = tempDir("playground-strace-");
  const logFile = join(dir.path, "strace.log");
  // -yy: every fd with what it is (TCP:[127.0.0.1:34755->127.0.0.1:41364]); -qq, -e signal=none: only
  // calls in the log; -s 64: the lab's messages whole.
  const straceArgs = ["-f", "-yy", "-qq", "-s", "64", "-e", TRACED, "-e", "signal=none", "-o", logFile];
  // process.argv[1] is this CLI as it was started (dist/cli.js), execArgv any loader it needed.
  const command = [process.execPath, ...process.execArgv, process.argv[1] as string, ...args];
  const child = ownChild(
    spawn(strace, [...straceArgs, "--", ...command], { stdio: ["ignore", "pipe", "pipe"], detached: true }),
    { group: true },
  );

  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  let code: number | null = null;
  let log: string | undefined;
  try {
    code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (status) => resolve(status));
    });
    await notInterrupted(); // stopped by Ctrl-C: nothing to show; leftovers.ts ends the process
    log = readFileSync(logFile, "utf8");
  } catch (err) {
    // No log: strace never started the child (what it said is the one line to show), or no strace.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" || stderr === "") throw err;
  } finally {
    dir.remove();
  }
  if (/^strace: .*ptrace.*(Operation not permitted|EPERM)/im.test(stderr)) throw new Error(NO_PTRACE);
  if (log === undefined) throw new Error(stderr.trim().split("\n")[0]);
  return { stdout, stderr, code, log };
}
