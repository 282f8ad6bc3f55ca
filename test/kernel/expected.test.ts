// Every experiment's `expected` against the kernel's own word. For each experiment and each transport
// it applies to, kernel_voice.py makes the experiment's scenario again with python3's plain socket
// calls (nothing of Node, libuv or the playground's addon in between) and says what the kernel did, in the
// experiment's words. `expected` is "the outcome Linux gives", so it must be that: where it records what
// a library makes of the kernel's answer instead, the test fails, with the kernel's evidence.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Experiment } from "../../src/experiments/experiment.js";
import { EXPERIMENTS } from "../../src/experiments/index.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import type { TransportName } from "../../src/transports/transport.js";
import { runProgram } from "../helpers/cli.js";
import { PYTHON, requireTool } from "../helpers/peers.js";
import { tempDir } from "../helpers/temp.js";

const VOICE = fileURLToPath(new URL("./kernel_voice.py", import.meta.url));

/**
 * What the kernel may do for a reason outside the experiment, proven by its own counter: with
 * net.ipv4.tcp_max_tw_buckets TIME-WAIT sockets already held on the machine (a test run opens
 * thousands), it keeps none for a new connection (TcpExt TCPTimeWaitOverflow grows).
 */
const MACHINE_CONDITIONS: Record<string, string> = {
  "time-wait": "client no TIME-WAIT (the kernel's table was full), server gone",
};

/** A check takes well under a second; the limit only turns a stuck one into a failure. */
const CHECK_LIMIT_MS = 15_000;

interface Voice {
  outcome: string;
  evidence: string;
}

/** What the kernel did in `experiment`'s scenario on `transport`, its socket files in `dir`. */
async function kernelSays(experiment: string, transport: TransportName, dir: string): Promise<Voice> {
  const run = await runProgram(PYTHON, [VOICE, experiment, transport, dir], undefined, CHECK_LIMIT_MS);
  const said = run.stdout.trim().split("\n").at(-1) ?? "";
  let voice: Partial<Voice> | undefined;
  try {
    voice = JSON.parse(said) as Partial<Voice>;
  } catch {
    voice = undefined;
  }
  if (typeof voice?.outcome !== "string") {
    throw new Error(
      `\`${PYTHON} kernel_voice.py ${experiment} ${transport}\` gave no outcome (exit ${run.signal ?? run.code})` +
        `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`,
    );
  }
  return { outcome: voice.outcome, evidence: voice.evidence ?? "" };
}

/** The transports an experiment applies to, in the order `experiment` runs them. */
function transportsOf(experiment: Experiment): TransportName[] {
  return TRANSPORT_NAMES.filter((name) => experiment.expected[name] !== undefined);
}

/** Processes this test process has started and not yet reaped. */
function children(): string[] {
  return readdirSync("/proc/self/task").flatMap((task) =>
    readFileSync(`/proc/self/task/${task}/children`, "utf8").split(" ").filter(Boolean),
  );
}

let before: string[] = [];

beforeAll(() => {
  before = children();
});

afterAll(() => {
  // Each check is a python3 process that runProgram() waits for: none may still be running.
  expect(children()).toEqual(before);
});

// Concurrent, a few at a time (vitest's maxConcurrency): each check is a process of its own, with its
// own temp dir and its own ephemeral ports.
/**
 * The lab's experiments (--hosts two) need two network namespaces and root: their python3 peers make
 * the plain calls inside the lab, and test/lab/lab.test.ts checks each verdict there.
 */
const ON_LOOPBACK = EXPERIMENTS.filter((e) => e.hosts !== "two");

describe.concurrent("the kernel does what each experiment expects", () => {
  describe.each(ON_LOOPBACK.map((e) => [e.name, e] as const))("%s", (name, experiment) => {
    it.for(transportsOf(experiment))(`${name} on %s`, async (transport, { expect }) => {
      requireTool(PYTHON);
      const dir = tempDir();
      try {
        const voice = await kernelSays(name, transport, dir);
        expect(
          voice.outcome,
          `${name} on ${transport}: expected says "${experiment.expected[transport]}", the kernel ` +
            `(python3, plain socket calls) did "${voice.outcome}": ${voice.evidence}`,
        ).toBe(voice.outcome === MACHINE_CONDITIONS[name] ? voice.outcome : experiment.expected[transport]);
        expect(readdirSync(dir), "kernel_voice.py left socket files behind").toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
