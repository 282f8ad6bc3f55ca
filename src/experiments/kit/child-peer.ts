// Peers in child processes, where Node cannot be one: a python3 program makes the plain system calls
// (recvmsg with a 4-byte buffer, close with unread data) that Node never makes, so what it reports is
// the kernel speaking; a Node server that we can freeze with SIGSTOP is one that stops calling
// accept(). Every child is killed and waited for when the run ends, stopped or not, and on Ctrl-C
// (leftovers.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { ownChild } from "../../leftovers.js";
import { installOf, PYTHON } from "../../tools.js";
import type { ExperimentContext } from "../experiment.js";

/** How long a child may take to start and say where it is; python3 and node start in well under this. */
const CHILD_START_MS = 5000;

const INSTALL: Record<string, string> = {
  [PYTHON]: installOf("python3"),
};

export interface ChildPeer {
  /** Its process id, as spawn() gave it (undefined when it could not start). */
  readonly pid: number | undefined;
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
    pid: child.pid,
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
