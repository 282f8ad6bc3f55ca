// A server in a process of its own, apart from the load, as sockperf and iperf3 run theirs: spawned on
// a fresh address, its address read from the line it prints once ready ("Server is listening on X",
// "Server is bound to X": `playground server` and bench-server.js both say it), and always stopped —
// after its run, when the run fails, and on Ctrl-C (stopAllServers). A bench killed outright cannot
// stop anything; bench-server.js then stops by itself when its standard input closes.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
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

const READY = /Server is (?:listening on|bound to) (\S+)/;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
/** How much of a server's output is kept to explain a failure. */
const KEEP_OUTPUT = 4096;

const alive = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Start `node ...args` and wait for its ready line; or, for a server told to print nothing, until
 * `quietAt` (a host:port or path it serves a stream on) takes a connection.
 */
export async function startServerProcess(args: readonly string[], quietAt?: string): Promise<ServerProcess> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // The last resort: whatever is still running when we exit, for any reason, goes with us.
    process.on("exit", () => {
      for (const child of alive) child.kill("SIGKILL");
    });
  }
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
  alive.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      alive.delete(child);
      resolve();
    });
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-KEEP_OUTPUT);
  };
  child.stderr?.on("data", keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    const address = await new Promise<string>((resolve, reject) => {
      let seen = "";
      const onError = (err: Error) => fail(err.message);
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        fail(`exited (${signal ?? `code ${code}`}) before it was ready`);
      const onData = (chunk: Buffer) => {
        keep(chunk);
        seen += chunk.toString("utf8");
        const match = READY.exec(seen);
        if (match) done(() => resolve(match[1] as string));
      };
      const timer = setTimeout(() => fail("did not say it was ready"), START_TIMEOUT_MS);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        child.off("error", onError).off("exit", onExit);
        // From here on its output (a line per session, for `playground server`) is read and dropped:
        // a pipe nobody reads would stop the server once full.
        child.stdout?.off("data", onData).on("data", keep);
        settle();
      };
      function fail(why: string) {
        const said = output.trim().split("\n").at(-1) ?? "";
        done(() => reject(new Error(`server ${args.join(" ")} ${why}${said ? `: ${said}` : ""}`)));
      }
      child.on("error", onError).on("exit", onExit);
      child.stdout?.on("data", onData);
      if (quietAt !== undefined) {
        void connectable(quietAt, () => child.exitCode === null).then(
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

/** Stop every server still running: for Ctrl-C and failures. */
export async function stopAllServers(): Promise<void> {
  await Promise.all(
    [...alive].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS).unref();
        }),
    ),
  );
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
