// A server in a process of its own, apart from the load, as sockperf and iperf3 run theirs: spawned on
// a fresh address, its address read from the line it prints once ready ("Server is listening on X",
// "Server is bound to X": `playground server` and bench-server.js both say it), and always stopped —
// after its run, when the run fails, and on Ctrl-C or at exit (the child and its output dir belong to
// leftovers.ts). A bench killed outright cannot stop anything; bench-server.js then stops by itself
// when its standard input closes.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { ownChild, tempDir } from "../leftovers.js";
import { USER_HZ } from "./machine-load.js";

export interface ServerProcess {
  readonly address: string;
  readonly pid: number;
  /** CPU seconds (user + system, all threads) the process has used so far. */
  cpuSeconds(): number;
  /** Resident set size, KiB. */
  rssKiB(): number;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/** The line a server prints once ready, with its address: `playground server` and bench-server.js. */
export const READY = /Server is (?:listening on|bound to) (\S+)/;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
/** How much of a server's output is kept to explain a failure. */
const KEEP_OUTPUT = 4096;

/**
 * Start `node ...args` and wait for its ready line; or, for a server told to print nothing, until
 * `quietAt` (a host:port or path it serves a stream on) takes a connection.
 *
 * Its standard output goes to a file, not a pipe: `playground server` prints lines for every
 * session, and reading them here would put that work in the load's process and slow the load down.
 */
export async function startServerProcess(args: readonly string[], quietAt?: string): Promise<ServerProcess> {
  const dir = tempDir("playground-bench-");
  const stdoutPath = join(dir.path, "stdout");
  const stdoutFd = openSync(stdoutPath, "w", 0o600);
  let child: ChildProcess;
  try {
    child = ownChild(spawn(process.execPath, args, { stdio: ["pipe", stdoutFd, "pipe"] }));
  } catch (err) {
    dir.remove();
    throw err;
  } finally {
    closeSync(stdoutFd); // the child has its own copy
  }
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-KEEP_OUTPUT);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    dir.remove();
  };

  try {
    const address = await new Promise<string>((resolve, reject) => {
      let settled = false;
      const done = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        child.off("error", onError).off("exit", onExit);
        settle();
      };
      const fail = (why: string) => {
        const said = `${readTail(stdoutPath)}\n${stderr}`.trim().split("\n").at(-1) ?? "";
        done(() => reject(new Error(`server ${args.join(" ")} ${why}${said ? `: ${said}` : ""}`)));
      };
      const onError = (err: Error) => fail(err.message);
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        fail(`exited (${signal ?? `code ${code}`}) before it was ready`);
      const timer = setTimeout(() => fail("did not say it was ready"), START_TIMEOUT_MS);
      // The ready line is the first thing it prints: a small file, read until it is there.
      const poll = setInterval(() => {
        const match = READY.exec(readTail(stdoutPath));
        if (match) done(() => resolve(match[1] as string));
      }, 10);
      child.on("error", onError).on("exit", onExit);
      if (quietAt !== undefined) {
        void connectable(quietAt, () => child.exitCode === null && !settled).then(
          (ok) => ok && done(() => resolve(quietAt)),
        );
      }
    });
    const pid = child.pid as number;
    return {
      address,
      pid,
      cpuSeconds: () => cpuSecondsOf(pid),
      rssKiB: () => rssKiBOf(pid),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The last KEEP_OUTPUT bytes of a file, as text ("" if it cannot be read). */
function readTail(path: string): string {
  try {
    const size = statSync(path).size;
    const fd = openSync(path, "r");
    try {
      const length = Math.min(size, KEEP_OUTPUT);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      return buffer.toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}

/** Whether a stream server at `address` takes a connection, tried every 20 ms while `waiting()`. */
async function connectable(address: string, waiting: () => boolean): Promise<boolean> {
  const inet = /^\[?(.*?)\]?:(\d+)$/.exec(address);
  const options = inet ? { host: inet[1] as string, port: Number(inet[2]) } : { path: address };
  while (waiting()) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(options, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ; // utime, stime: fields 14 and 15
  } catch {
    return Number.NaN;
  }
}

function rssKiBOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}
