// Ctrl-C (SIGINT) or SIGTERM in the middle of every command that makes files or child processes: the
// built CLI runs with TMPDIR set to a fresh dir, and once the dir shows it has made what it makes
// (polled, never a fixed sleep), it gets the signal. Afterwards the dir is empty, no process it started
// is alive, it said in one line that it was interrupted, and it exited 128 + the signal (130, 143).
//
// Its processes are found by a tag in their environment, which every child and grandchild inherits:
// an orphan that outlived the CLI has no parent to find it by.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, type Finished, finished } from "../helpers/cli.js";
import { Peer, PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

/** Every live process (zombies are done) whose environment holds `tag`. */
function tagged(tag: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(tag)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") found.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Everything under `dir`, as paths relative to it. */
function contents(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

async function until(what: string, done: () => boolean, child: ChildProcess, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (child.exitCode !== null) throw new Error(`it exited (${child.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`never ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Case {
  args: string[];
  /** What it has made once it is in the middle of its work (given the private TMPDIR's contents). */
  madeItsFiles(files: string[]): boolean;
  /** What the test needs first: a peer, say. */
  setup?(): string[];
}

const CASES: Record<string, Case> = {
  // unix-dgram first: its sessions each bind a client socket in a temp dir of their own.
  bench: {
    args: [
      "bench",
      "--transport",
      "unix-dgram,unix-stream,unix-seqpacket",
      "--mode",
      "sessions",
      "--duration",
      "20",
      "--warmup",
      "0",
    ],
    madeItsFiles: (files) =>
      files.some((f) => f.startsWith("playground-bench-")) && files.some((f) => f.endsWith("client.sock")),
  },
  compare: {
    args: ["compare", "--transports", "unix-stream,unix-dgram,unix-seqpacket", "--duration", "60"],
    madeItsFiles: (files) => files.some((f) => f.endsWith(".sock")),
  },
  "experiment all": {
    args: ["experiment", "all"],
    madeItsFiles: (files) => files.some((f) => f.startsWith("playground-experiment-")),
  },
  // A plain run is over in a tenth of a second; under strace it runs a child process group too.
  "run --trace-syscalls": {
    args: ["run", "--trace-syscalls", "--transport", "unix-stream"],
    // strace's log dir, and the traced playground's own socket dir: two processes' files.
    madeItsFiles: (files) =>
      files.some((f) => f.startsWith("playground-strace-")) && files.some((f) => f.endsWith("stream.sock")),
    setup: () => {
      requireTool("strace");
      return [];
    },
  },
  // A unix datagram client binds in a temp dir of its own, and waits for a server that never answers.
  "client (unix-dgram, a server that never answers)": {
    args: ["client", "--transport", "unix-dgram", "--timeout", "60", "--retries", "0"],
    madeItsFiles: (files) => files.some((f) => f.endsWith("client.sock")),
    setup: () => {
      requireTool(PYTHON);
      const path = join(tempDir(), "mute.sock");
      track(
        new Peer(PYTHON, [
          "-c",
          "import socket,sys,time; s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind(sys.argv[1]); print('bound', flush=True); time.sleep(120)",
          path,
        ]),
      );
      return ["--path", path];
    },
  },
};

describe.each(Object.keys(CASES))("%s, interrupted", (name) => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("by %s: removes everything, stops every process, says so, exits %d", async (signal, code) => {
    const test = CASES[name] as Case;
    const extra = test.setup?.() ?? [];
    if (extra.includes("--path")) await waitForFile(extra[1] as string);
    const tmp = tempDir();
    const tag = `PLAYGROUND_INTERRUPT_TEST=${process.pid}-${name}-${signal}`.replace(/\s/g, "_");
    const [key, value] = tag.split("=") as [string, string];
    const child = spawn(process.execPath, [CLI, ...test.args, ...extra], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TMPDIR: tmp, [key]: value },
    });
    const done: Promise<Finished> = finished(child, 60_000);
    try {
      await until("made its files", () => test.madeItsFiles(contents(tmp)), child);
      child.kill(signal);
      const result = await done;

      expect(contents(tmp), result.stderr).toEqual([]);
      expect([result.code, result.signal], result.stderr).toEqual([code, null]);
      expect(result.stderr).toMatch(
        new RegExp(`(^|\\n)playground: interrupted by ${signal}: stopped, and removed what it made\\n$`),
      );
      expect(result.stderr.match(/interrupted/g)).toHaveLength(1);
      // A process killed at our exit may take a moment to be gone.
      const deadline = Date.now() + 2000;
      while (tagged(tag).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(tagged(tag)).toEqual([]);
    } finally {
      for (const pid of tagged(tag)) process.kill(pid, "SIGKILL");
      child.kill("SIGKILL");
      await done;
    }
  });
});

async function waitForFile(path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
