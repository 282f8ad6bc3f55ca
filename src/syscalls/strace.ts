// Run a command under `strace -f` and collect what both said: the command's stdout and stderr, and
// strace's log from a file in a private temp dir (removed afterwards). --trace-syscalls runs the
// playground again this way and reads the child's NDJSON SocketEvents from its stdout; that child gets
// its own process group, so Ctrl-C stops strace and the child with us (leftovers.ts signals the whole
// group, and waits for it: the traced playground removes its own files). The experiments run a small
// child Node this way (src/experiments/kit/strace.ts), to hear what the kernel said to a library.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { notInterrupted, ownChild, tempDir } from "../leftovers.js";
import { findProgram } from "../tools.js";

/** The calls that can touch a socket: all of %network, the read/write family, close. */
const TRACED = "%network,read,readv,write,writev,close";

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
  // process.argv[1] is this CLI as it was started (dist/cli.js), execArgv any loader it needed.
  const command = [process.execPath, ...process.execArgv, process.argv[1] as string, ...args];
  // -yy: every fd with what it is (TCP:[127.0.0.1:34755->127.0.0.1:41364]); -s 64: the lab's messages whole.
  const run = await strace(command, {
    trace: TRACED,
    flags: ["-yy", "-s", "64"],
    missing: MISSING,
    stopWithUs: true,
  });
  const { stderr, log } = run;
  if (/^strace: .*ptrace.*(Operation not permitted|EPERM)/im.test(stderr)) throw new Error(NO_PTRACE);
  if (log === undefined) throw new Error(stderr.trim().split("\n")[0]);
  return { ...run, log };
}

export interface StraceOptions {
  /** What to trace, as `-e trace=` takes it: "connect", "%network,read,close". */
  trace: string;
  /** More of strace's flags, before the command. */
  flags?: readonly string[];
  /** The error when strace is not installed: what needed it, and how to install it. */
  missing: string;
  /** Kill strace (SIGKILL) after this long; the result then says `killed`. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Run it in a process group of its own, which Ctrl-C or SIGTERM stops as a whole (leftovers.ts):
   * for a command whose whole run is the traced child.
   */
  stopWithUs?: boolean;
}

export interface StraceRun {
  stdout: string;
  /** strace's own complaints, and the traced command's stderr. */
  stderr: string;
  code: number | null;
  /** strace's log (-o), one call per line, each led by its pid (-f); undefined when it never began. */
  log?: string;
  /** Killed after `timeoutMs`. */
  killed: boolean;
}

/**
 * `strace -f -qq -e trace=<trace> -e signal=none -o <log> <command>`, to completion. The log goes to a
 * file in a private temp dir, removed afterwards: the command's own stderr stays apart from it.
 */
export async function strace(command: readonly string[], options: StraceOptions): Promise<StraceRun> {
  const program = findProgram("strace");
  if (!program) throw new Error(options.missing);
  const dir = tempDir("playground-strace-");
  const logFile = join(dir.path, "strace.log");
  // -qq, -e signal=none: only calls in the log.
  const straceArgs = [
    "-f",
    ...(options.flags ?? []),
    "-qq",
    "-e",
    `trace=${options.trace}`,
    "-e",
    "signal=none",
  ];
  // Ctrl-C stops it with us (leftovers.ts); with stopWithUs, its whole process group.
  const child = ownChild(
    spawn(program, [...straceArgs, "-o", logFile, "--", ...command], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.stopWithUs === true,
      env: options.env,
    }),
    { group: options.stopWithUs === true },
  );
  let killed = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          killed = true;
          child.kill("SIGKILL");
        }, options.timeoutMs);

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
    // No log: strace never started the command (what it said is the one line to show), or no strace.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" || stderr === "") throw err;
  } finally {
    clearTimeout(timer);
    dir.remove();
  }
  return log === undefined ? { stdout, stderr, code, killed } : { stdout, stderr, code, log, killed };
}
