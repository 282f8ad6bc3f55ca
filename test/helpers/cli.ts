// Run the built CLI (dist/cli.js, which `npm test` builds first) as a user would: a child process.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { READY } from "../../src/bench/server-process.js";

export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `playground ...args` to completion (killed after timeoutMs). */
export function playground(
  args: string[],
  timeoutMs = 20_000,
  env: NodeJS.ProcessEnv = {},
): Promise<Finished> {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  return finished(child, timeoutMs);
}

/** Run any program to completion, with optional standard input. */
export function runProgram(
  command: string,
  args: string[],
  input?: string,
  timeoutMs = 20_000,
): Promise<Finished> {
  const child = spawn(command, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  if (input !== undefined) child.stdin?.end(input);
  return finished(child, timeoutMs);
}

export function finished(child: ChildProcess, timeoutMs: number): Promise<Finished> {
  let stdout = "";
  let stderr = "";
  // Decoded as one stream: a character split between two reads must not become two U+FFFDs.
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * A long-running `playground server`, stopped (SIGTERM, then SIGKILL) by stop().
 *
 * Not src/bench/server-process.ts's startServerProcess(), though both start a server and read its
 * ready line (READY, shared): that one sends the server's output to a file so that reading it costs
 * the load nothing, keeps only its tail, and hides how the server exited. The tests need the opposite:
 * everything it printed (waitFor any line), the exit code and signal, a chosen signal, an fd limit.
 */
export class ServerProcess {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<Finished>;

  /** fdLimit: run it under `ulimit -n fdLimit` (soft and hard, so that Node cannot raise it). */
  constructor(args: string[], options: { fdLimit?: number } = {}) {
    const command = [process.execPath, CLI, "server", ...args];
    const [file, ...argv] = options.fdLimit
      ? ["sh", "-c", `ulimit -n ${options.fdLimit} && exec "$@"`, "sh", ...command]
      : command;
    this.child = spawn(file as string, argv, { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout?.on("data", (d) => {
      this.output += d;
    });
    this.child.stderr?.on("data", (d) => {
      this.output += d;
    });
    this.exited = finished(this.child, 600_000);
  }

  /** Resolves with the first match of `pattern` in the server's output so far or to come. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null)
        throw new Error(`server exited (${this.child.exitCode}): ${this.output}`);
      if (Date.now() > deadline) throw new Error(`server never printed ${pattern}: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The address from "Server is listening on X" / "Server is bound to X". */
  async address(): Promise<string> {
    const match = await this.waitFor(READY);
    return match[1] as string;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<Finished> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      const result = await this.exited;
      clearTimeout(timer);
      return result;
    }
    return this.exited;
  }
}

/**
 * The built CLI with `args`, as a child of `strace -f` tracing only `calls`, its log written to `log`
 * (strace follows the CLI's own children too: python3 peers, a server's helpers).
 */
export function playgroundUnderStrace(
  calls: string,
  log: string,
  args: string[],
  straceOptions: string[] = [],
): ChildProcess {
  const strace = ["-f", "-qq", ...straceOptions, "-e", `trace=${calls}`, "-o", log];
  return spawn("strace", [...strace, process.execPath, CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}
