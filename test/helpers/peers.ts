// Real peers for the interop tests: the classic Python programs in test/peers/, nc and socat, run as
// child processes that a test can type into and read from. Every process started here or handed to
// track() is stopped by stopAll() (call it from afterEach), so a failing test leaves nothing running.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseInet } from "../../src/transports/address.js";
import { type Finished, finished } from "./cli.js";

export const PYTHON = process.env.PYTHON ?? "python3";
export const CLASSIC_CLIENT = fileURLToPath(new URL("../peers/classic_client.py", import.meta.url));
export const CLASSIC_SERVER = fileURLToPath(new URL("../peers/classic_server.py", import.meta.url));
const FULL_LISTENER = fileURLToPath(new URL("../peers/full_listener.py", import.meta.url));

/** What a Python classic client prints for a whole session, byte for byte. */
export const CLASSIC_CLIENT_OUTPUT =
  "Received from server: Welcome to the server!\nReceived from server: Message received!\n";

interface Stoppable {
  stop(): Promise<unknown>;
}

const running = new Set<Stoppable>();

/** Have stopAll() stop this (a ServerProcess, say) after the test. */
export function track<T extends Stoppable>(peer: T): T {
  running.add(peer);
  return peer;
}

/** Call from afterEach: stops every tracked process, passing or failing. */
export async function stopAll(): Promise<void> {
  const all = [...running];
  running.clear();
  await Promise.all(all.map((p) => p.stop()));
}

const TOOLS: Record<string, { install: string; probe?: (help: string) => boolean }> = {
  nc: {
    install: "apt-get install netcat-openbsd",
    // -N, -q, -U and -uU -s behave as tested only in OpenBSD's netcat.
    probe: (help) => help.includes("OpenBSD netcat"),
  },
  socat: { install: "apt-get install socat" },
  tcpdump: { install: "apt-get install tcpdump" },
  strace: { install: "apt-get install strace" },
  ip: { install: "apt-get install iproute2" },
  nft: { install: "apt-get install nftables" },
  [PYTHON]: { install: "apt-get install python3" },
};

const checked = new Map<string, string | undefined>();

/**
 * Fail, saying what to install, when a peer program is missing. The interop tests must never pass
 * by skipping: a CI image without nc would otherwise look green.
 */
export function requireTool(command: string): void {
  if (!checked.has(command)) checked.set(command, missing(command));
  const problem = checked.get(command);
  if (problem) throw new Error(problem);
}

function missing(command: string): string | undefined {
  const tool = TOOLS[command] ?? { install: `install ${command}` };
  const found = spawnSync("sh", ["-c", 'command -v "$1"', "sh", command], { encoding: "utf8" });
  if (found.status !== 0) return `${command} is not installed: ${tool.install}`;
  if (tool.probe) {
    const help = spawnSync(command, ["-h"], { encoding: "utf8", timeout: 5_000 });
    if (!tool.probe(`${help.stdout}${help.stderr}`)) {
      return `${found.stdout.trim()} is not the expected ${command}: ${tool.install}`;
    }
  }
  return undefined;
}

/** A program a test types into (stdin) and reads from (stdout and stderr), like a user at a terminal. */
export class Peer implements Stoppable {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<Finished>;

  constructor(
    readonly command: string,
    readonly args: string[],
    options: { env?: NodeJS.ProcessEnv; input?: string } = {},
  ) {
    this.child = spawn(command, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    this.child.stdin?.on("error", () => {}); // EPIPE when the peer is gone already: the test says why
    this.child.stdout?.on("data", (d) => {
      this.stdout += d;
    });
    this.child.stderr?.on("data", (d) => {
      this.stderr += d;
    });
    this.exited = finished(this.child, 60_000);
    this.exited.catch(() => {}); // a spawn error surfaces in waitFor/exit instead
    if (options.input !== undefined) this.child.stdin?.end(options.input);
    track(this);
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** EOF on the program's stdin: Ctrl-D. */
  end(): void {
    this.child.stdin?.end();
  }

  get done(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Resolves with the first match of `pattern` in stdout (what the program printed from the network). */
  async waitFor(pattern: RegExp | string, timeoutMs = 5_000): Promise<RegExpMatchArray> {
    const regexp = typeof pattern === "string" ? new RegExp(literal(pattern)) : pattern;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.stdout.match(regexp);
      if (match) return match;
      if (this.done)
        throw new Error(`${this.describe()} exited before printing ${regexp}${this.transcript()}`);
      if (Date.now() > deadline)
        throw new Error(`${this.describe()} never printed ${regexp}${this.transcript()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The program's exit, or an error if it is still running after timeoutMs. */
  async exit(timeoutMs = 5_000): Promise<Finished> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.describe()} still running after ${timeoutMs} ms${this.transcript()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<Finished | undefined> {
    if (!this.done) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 2_000);
      try {
        return await this.exited;
      } catch {
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited.catch(() => undefined);
  }

  describe(): string {
    return `\`${[this.command, ...this.args].join(" ")}\``;
  }

  transcript(): string {
    return `\n--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }
}

/** A Python classic server (serves one session, then exits). */
export class PythonServer extends Peer {
  constructor(args: string[], env?: NodeJS.ProcessEnv) {
    super(PYTHON, [CLASSIC_SERVER, ...args], { env });
  }

  /** The address from "Server is listening on X" / "Server is bound to X". */
  async address(): Promise<string> {
    const match = await this.waitFor(/Server is (?:listening on|bound to) (\S+)\n/);
    return match[1] as string;
  }
}

/** Run the Python classic client to completion. */
export function pythonClient(args: string[], env?: NodeJS.ProcessEnv): Promise<Finished> {
  const peer = new Peer(PYTHON, [CLASSIC_CLIENT, ...args], { env });
  peer.end();
  return peer.exit(10_000);
}

/** "127.0.0.1:5000" or "[::1]:5000" -> host and port, as separate arguments for nc and Python. */
export function hostPort(address: string): { host: string; port: string } {
  const { host, port } = parseInet(address);
  return { host, port: String(port) };
}

/** A fresh abstract name, as `@name`, unique to this test run. */
export function abstractName(tag: string): string {
  return `@playground-test-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** `text` as a RegExp source that matches it literally. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A listener whose accept queue is full (full_listener.py): a connect() to it is never answered. Resolves
 * with the match of its port; it is stopped with the test's other peers.
 */
export async function fullListener(): Promise<RegExpMatchArray> {
  requireTool(PYTHON);
  return new Peer(PYTHON, [FULL_LISTENER]).waitFor(/(\d+)\n/);
}
