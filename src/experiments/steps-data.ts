// Steps the data and lifecycle experiments share, beside sockets.ts: peers in child processes, what
// `ss` says about sockets, watching one side of a connection, and the ladder entries for our own sends. A child is a peer where Node cannot be one: a
// python3 program makes the plain system calls (recvmsg with a 4-byte buffer, close with unread data)
// that Node never makes, so what it reports is the kernel speaking; a Node server that we can freeze
// with SIGSTOP is one that stops calling accept(). Every child is killed and waited for when the
// run ends, stopped or not, and on Ctrl-C (leftovers.ts).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { ownChild } from "../leftovers.js";
import { installOf, PYTHON } from "../tools.js";
import { type CallRecord, preview, type Side } from "../trace/events.js";
import type { Connection, ConnectionHandlers, Listener, TransportName } from "../transports/transport.js";
import type { ExperimentContext } from "./experiment.js";
import { listen } from "./sockets.js";

/** How long a child may take to start and say where it is; python3 and node start in well under this. */
const CHILD_START_MS = 5000;

const INSTALL: Record<string, string> = {
  [PYTHON]: installOf("python3"),
  ss: "apt-get install iproute2",
};

export interface ChildPeer {
  /** Send it a signal: SIGSTOP freezes it (the end of the run still kills it). */
  signal(name: NodeJS.Signals): void;
  /** The next line it prints; rejects when it exits first or stays silent for `ms`. */
  line(ms?: number): Promise<string>;
  /** The next line, parsed as JSON. */
  json<T>(ms?: number): Promise<T>;
  /** Write a line to its stdin: a go-ahead, so that its next call comes after ours. */
  say(line: string): void;
}

/** Start a child that talks through its stdout, one line per thing it has to say. */
export function startChild(context: ExperimentContext, command: string, args: string[]): ChildPeer {
  const child = ownChild(spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] }));
  child.stdin.on("error", () => {}); // a child that has exited cannot be told anything
  const lines: string[] = [];
  const waiting: { resolve(line: string): void; reject(err: Error): void }[] = [];
  let stderr = "";
  let gone: Error | undefined;
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(line);
    else lines.push(line);
  });
  const fail = (err: Error) => {
    gone ??= err;
    for (const waiter of waiting.splice(0)) waiter.reject(gone);
  };
  child.on("error", (err: NodeJS.ErrnoException) => {
    const install = INSTALL[command];
    fail(err.code === "ENOENT" && install ? new Error(`${command} is not installed: ${install}`) : err);
  });
  // 'close', not 'exit': a child's last lines may still be in the pipe when it exits.
  child.on("close", (code, signal) => {
    fail(new Error(`${command} exited (${signal ?? code}) before saying more: ${stderr.trim()}`));
  });
  context.defer(() => stopChild(child));
  const line = (ms = CHILD_START_MS) =>
    new Promise<string>((resolve, reject) => {
      const ready = lines.shift();
      if (ready !== undefined) return resolve(ready);
      if (gone) return reject(gone);
      const timer = setTimeout(() => reject(new Error(`${command} said nothing for ${ms} ms`)), ms);
      waiting.push({
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  return {
    signal: (name) => {
      child.kill(name);
    },
    line,
    json: async <T>(ms?: number) => JSON.parse(await line(ms)) as T,
    say: (text) => {
      child.stdin.write(`${text}\n`);
    },
  };
}

/** SIGKILL also ends a SIGSTOPped process; waiting for 'exit' means nothing outlives the run. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/** A python3 program given as text; its arguments follow. */
export function python(context: ExperimentContext, program: string, ...args: string[]): ChildPeer {
  return startChild(context, PYTHON, ["-c", program, ...args]);
}

/** A call a child made, for the ladder: the transports record ours, this records the peer's. */
export function traceChild(context: ExperimentContext, record: Omit<CallRecord, "inferred">): void {
  context.trace({ inferred: false, ...record });
}

/** `ss -H <args>` with runs of blanks squeezed; a line saying what to install when ss is missing. */
export function ss(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile("ss", ["-H", ...args], { timeout: 5000 }, (err, stdout) => {
      if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT")
        return resolve([`(no ss here to show it: ${INSTALL.ss})`]);
      if (err) return reject(err);
      resolve(
        stdout
          .split("\n")
          .map((l) => l.replace(/\s+/g, " ").trim())
          .filter(Boolean),
      );
    });
    ownChild(child); // Ctrl-C stops it with us (leftovers.ts)
  });
}

/** The port of an "ip:port" or "[ip6]:port" address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/** A listener whose accepted connections are handed out in order by `accepted()`. */
export async function listenQueue(
  name: TransportName,
  context: ExperimentContext,
): Promise<{ listener: Listener; accepted(): Promise<Connection> }> {
  const ready: Connection[] = [];
  const waiting: ((c: Connection) => void)[] = [];
  const listener = await listen(name, context, (connection) => {
    const waiter = waiting.shift();
    if (waiter) waiter(connection);
    else ready.push(connection);
  });
  const accepted = () =>
    new Promise<Connection>((resolve) => {
      const connection = ready.shift();
      if (connection) resolve(connection);
      else waiting.push(resolve);
    });
  return { listener, accepted };
}

/** What one side of a connection saw, in order: each read (short ones as text, long ones as a size) and "EOF". */
export interface Watched {
  readonly seen: string[];
  /** Resolves at close with its errno ("closed" for a clean close), or "open" after `ms`. */
  closed(ms: number): Promise<string>;
  /** Resolves at EOF (true) or after `ms` (false). */
  ended(ms: number): Promise<boolean>;
}

export function watch(connection: Connection, extra: Partial<ConnectionHandlers> = {}): Watched {
  const seen: string[] = [];
  let eof = false;
  let closedWith: string | undefined;
  const wake = new Set<() => void>();
  const changed = () => {
    for (const fn of wake) fn();
  };
  connection.setHandlers({
    data: (chunk) => {
      seen.push(chunk.length <= 20 ? JSON.stringify(chunk.toString("latin1")) : `${chunk.length} B`);
      extra.data?.(chunk);
    },
    end: () => {
      eof = true;
      seen.push("EOF");
      extra.end?.();
      changed();
    },
    close: (err) => {
      closedWith = err?.code ?? "closed";
      extra.close?.(err);
      changed();
    },
  });
  const until = <T>(ms: number, value: () => T | undefined, timedOut: T) =>
    new Promise<T>((resolve) => {
      const settle = () => {
        const now = value();
        if (now === undefined) return;
        clearTimeout(timer);
        wake.delete(settle);
        resolve(now);
      };
      const timer = setTimeout(() => {
        wake.delete(settle);
        resolve(timedOut);
      }, ms);
      wake.add(settle);
      settle();
    });
  return {
    seen,
    closed: (ms) => until(ms, () => closedWith, "open"),
    ended: (ms) => until(ms, () => (eof ? true : undefined), false),
  };
}

/** The errno a write failed with, or "sent". */
export async function writeOutcome(connection: Connection, data: Buffer): Promise<string> {
  try {
    await connection.write(data);
    return "sent";
  } catch (err) {
    return (err as { code?: string }).code ?? "EIO";
  }
}

/** Put one of the experiment's own sends on the ladder (the transports record only setup calls). */
export function traceSend(
  context: ExperimentContext,
  record: { side: Side; call: "send" | "sendto"; via: string; data: Buffer; outcome?: string },
): void {
  const { side, call, via, data, outcome = "sent" } = record;
  const failed = outcome === "sent" ? {} : { errno: outcome };
  context.trace({ side, call, inferred: false, via, bytes: data.length, preview: preview(data), ...failed });
}

/** shutdown(SHUT_WR), which Node makes inside socket.end() once everything written is flushed. */
export function traceShutdown(context: ExperimentContext, side: Side): void {
  context.trace({ side, call: "shutdown", inferred: false, via: "socket.end()", detail: "SHUT_WR" });
}
