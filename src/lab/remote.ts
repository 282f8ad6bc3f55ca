// The playground's own CLI run inside one of the lab's hosts: a process cannot move a socket into
// another network namespace, so the lab's server and client are children (`ip netns exec <ns> node
// cli.js server|client --json …`), and what they did comes back as their NDJSON records. Each child is
// owned (leftovers.ts): Ctrl-C stops it, and the lab's tear-down kills whatever is left in a namespace.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ownChild } from "../leftovers.js";
import type { Host } from "./hosts.js";
import type { Lab } from "./lab.js";

/** One NDJSON record, as pino wrote it. */
export type Record = { [key: string]: unknown };

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What it printed on stderr: its one-line failure, if it failed. */
  stderr: string;
}

export interface Remote {
  /** Every record so far, in the order printed. */
  readonly records: Record[];
  /** The first record (so far or to come) that `wanted` accepts; rejects if it exits first. */
  until(wanted: (record: Record) => boolean, ms?: number): Promise<Record>;
  /** Resolves once it has exited. */
  readonly exited: Promise<Finished>;
  /** Send it `signal` (if it still runs) and wait for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<Finished>;
}

/** The CLI this module belongs to: dist/cli.js, or src/cli.ts under tsx (which execArgv carries). */
function cliPath(): string {
  const own = import.meta.url;
  return fileURLToPath(new URL(own.endsWith(".ts") ? "../cli.ts" : "../cli.js", own));
}

/** `playground …args` inside `host`, its stdout read as NDJSON. */
export function playgroundIn(lab: Lab, host: Host, args: readonly string[]): Remote {
  return programIn(lab, host, process.execPath, [...process.execArgv, cliPath(), ...args]);
}

/** The node script `script` (a module beside this one, in src/lab/) inside `host`, its stdout NDJSON. */
export function scriptIn(lab: Lab, host: Host, script: string, args: readonly string[]): Remote {
  const own = import.meta.url;
  const file = fileURLToPath(new URL(`./${script}${own.endsWith(".ts") ? ".ts" : ".js"}`, own));
  return programIn(lab, host, process.execPath, [...process.execArgv, file, ...args]);
}

function programIn(lab: Lab, host: Host, program: string, args: readonly string[]): Remote {
  const [command, full] = lab.inside(host, program, args);
  // `ip netns exec` execs the program itself: the pid is node's, and a signal reaches it.
  const child = ownChild(spawn(command, full, { stdio: ["ignore", "pipe", "pipe"] }));
  const records: Record[] = [];
  const waiting = new Set<() => void>();
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    try {
      records.push(JSON.parse(line) as Record);
    } catch {
      records.push({ text: line });
    }
    for (const wake of waiting) wake();
  });
  let gone = false;
  const exited = new Promise<Finished>((resolve) => {
    child.once("close", (code, signal) => {
      gone = true;
      for (const wake of waiting) wake();
      resolve({ code, signal, stderr });
    });
    child.once("error", (err) => {
      gone = true;
      stderr += err.message;
      for (const wake of waiting) wake();
      resolve({ code: null, signal: null, stderr });
    });
  });
  return {
    records,
    exited,
    until(wanted, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`it said nothing of the kind for ${ms} ms`)), ms);
        const finish = (err?: Error, record?: Record) => {
          clearTimeout(timer);
          waiting.delete(check);
          if (record) resolve(record);
          else reject(err);
        };
        const check = () => {
          const found = records.find(wanted);
          if (found) return finish(undefined, found);
          if (gone) finish(new Error(firstLine(stderr) || "it exited before saying so"));
        };
        waiting.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
