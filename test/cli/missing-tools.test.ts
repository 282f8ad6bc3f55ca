// What a command needs besides Node, run with a PATH that lacks it: the command refuses in one line
// that names the program and how to install it, before it starts anything, and a run that does not
// need the program is not refused. (--trace-syscalls without strace: test/syscalls/trace-syscalls.)
import { spawnSync } from "node:child_process";
import { readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXPERIMENTS } from "../../src/experiments/index.js";
import { runExperiment } from "../../src/experiments/runner.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import { playground } from "../helpers/cli.js";
import { PYTHON, requireTool } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(removeTempDirs);

/** A PATH holding only `programs` (linked to the real ones), and a TMPDIR to see what is left. */
function machineWith(...programs: string[]): NodeJS.ProcessEnv {
  const bin = tempDir();
  for (const program of programs) symlinkSync(program, join(bin, program.split("/").pop() as string));
  return { PATH: bin, TMPDIR: tempDir() };
}

/** The python3 executable itself: a pyenv shim on PATH would need pyenv on PATH too. */
function realPython(): string {
  requireTool(PYTHON);
  return spawnSync(PYTHON, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
}

describe("experiment without the programs its runs start", () => {
  it("without python3 and strace: one line naming both and how to install them, exit 1, nothing run or left", async () => {
    const env = machineWith();
    const run = await playground(["experiment", "all"], 20_000, env);
    expect(run.stderr).toBe(
      "playground: python3 is not on PATH and strace is not on PATH, and experiment all needs them (a python3 peer gives the " +
        "kernel's own answer in 23 runs of 9 experiments; strace shows what the kernel told the playground's addon in 3 runs " +
        "of 3 experiments): apt-get install python3 strace — --transport can leave runs out, but every transport " +
        "chosen has some that need them\n",
    );
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
    expect(readdirSync(env.TMPDIR as string)).toEqual([]);
  });

  it("names the runs of one experiment that need it, and --transport can leave them out", async () => {
    const env = machineWith();
    const one = await playground(["experiment", "sockbuf-doubling"], 20_000, env);
    expect(one.stderr).toMatch(
      /^playground: python3 is not on PATH, .* in 1 run\): apt-get install python3 — or leave those runs out: --transport tcp4,tcp6,udp4,udp6,unix-stream,unix-seqpacket\n$/,
    );
    expect(one.code).toBe(1);
    // udp4 reads its buffer sizes back through Node: no python3 peer, so the run goes ahead.
    const udp = await playground(
      ["experiment", "sockbuf-doubling", "--transport", "udp4", "--json"],
      20_000,
      env,
    );
    expect(udp.code).toBe(0);
    expect(JSON.parse(udp.stdout).results).toMatchObject([{ transport: "udp4", verdict: "matches" }]);
  });

  it("a PYTHON that names no program is said to be PYTHON's", async () => {
    const env = { ...machineWith(), PYTHON: "/nowhere/python3" };
    const run = await playground(["experiment", "recv-buffer-short"], 20_000, env);
    expect(run.stderr).toMatch(
      /^playground: PYTHON=\/nowhere\/python3 is not there, and experiment recv-buffer-short needs it /,
    );
    expect(run.code).toBe(1);
  });

  it("without strace: the unix-seqpacket runs that ask it are named, the rest need nothing", async () => {
    const env = machineWith(realPython());
    const run = await playground(["experiment", "stream-connect-twice"], 20_000, env);
    expect(run.stderr).toBe(
      "playground: strace is not on PATH, and experiment stream-connect-twice needs it (strace shows " +
        "what the kernel told the playground's addon in 1 run): apt-get install strace — or leave those runs out: " +
        "--transport tcp4,tcp6,udp4,udp6,unix-stream,unix-dgram\n",
    );
    expect(run.code).toBe(1);
    const tcp = await playground(["experiment", "stream-connect-twice", "--transport", "tcp4"], 20_000, env);
    expect(tcp.stderr).toBe("");
    expect(tcp.code).toBe(0);
  });
});

describe("what each experiment says it needs", () => {
  it("every run that starts python3 or strace names it in needs, so the check above misses none", async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir(); // children are looked up on PATH when they are spawned
    try {
      for (const experiment of EXPERIMENTS) {
        const needed = Object.values(experiment.needs ?? {}).flat();
        const free = TRANSPORT_NAMES.filter((t) => t in experiment.expected && !needed.includes(t));
        for (const { result } of await runExperiment(experiment, free)) {
          expect(result.reason ?? "", `${experiment.name} on ${result.transport}`).not.toMatch(
            /python3|strace|not installed/,
          );
        }
      }
    } finally {
      process.env.PATH = path;
    }
  }, 120_000);
});
