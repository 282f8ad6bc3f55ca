// A child Node under strace, to hear what the kernel told the playground's addon (and set the two
// answers side by side: a witness we did not write against the addon's own error) or what libuv set
// on a socket.
import { parseStrace } from "../../syscalls/parse.js";
import { strace } from "../../syscalls/strace.js";
import { seqpacketConnectsScript } from "../../transports/unix-addon/index.js";
import type { ExperimentContext, Observation } from "../experiment.js";

const STRACE_MISSING = "this step asks strace what the kernel said: apt-get install strace";

/**
 * Runs `script` in a child Node under `strace -e trace=<calls>`, and returns the system calls strace
 * saw (one per line, as --trace-syscalls reads them: no pid, split halves joined) and what the child
 * printed. The child is a separate process because a process cannot strace itself; it is killed if it
 * takes more than two seconds.
 */
export async function straceNode(
  script: string,
  args: string[],
  calls: string,
): Promise<{ calls: string[]; printed: string }> {
  const run = await strace([process.execPath, "-e", script, ...args], {
    trace: calls,
    missing: STRACE_MISSING,
    timeoutMs: 2000,
    // No NODE_OPTIONS: a test runner's loader would only slow the child down.
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (run.killed) throw new Error("the traced child Node took more than 2 s");
  const wanted = new Set(calls.split(","));
  const seen = parseStrace(run.log ?? "")
    .filter((call) => wanted.has(call.name))
    .map((call) => call.text);
  // strace's own complaint, when it cannot trace here (no ptrace in this container, say).
  const complaint = run.stderr.split("\n").find((line) => line.startsWith("strace:"));
  if (seen.length === 0 && complaint) throw new Error(complaint);
  return { calls: seen, printed: run.stdout.trim() };
}

export interface KernelAnswers {
  /** What each connect() returned: "succeeded" or an errno name. */
  answers: string[];
  /** The strace lines themselves. */
  lines: string[];
  /** The code of the error the addon threw, if it threw. */
  addonSaid?: string;
}

/**
 * What the kernel answered to the addon's connect() on a SOCK_SEQPACKET socket, `attempts` times on
 * one socket, as strace saw it, and what the addon threw.
 */
export async function seqpacketConnectsUnderStrace(
  context: ExperimentContext,
  path: string,
  attempts: number,
): Promise<KernelAnswers> {
  const { calls, printed } = await straceNode(seqpacketConnectsScript(), [path, String(attempts)], "connect");
  const lines = calls.filter((line) => line.includes(`sun_path=${JSON.stringify(path)}`));
  if (lines.length === 0) throw new Error(`strace saw no connect() to ${path}`);
  const answers = lines.map((line) => /= -1 (E[A-Z0-9]+)/.exec(line)?.[1] ?? "succeeded");
  for (const [i, answer] of answers.entries()) {
    const record = {
      side: "client",
      call: "connect",
      inferred: false,
      via: "a child Node, under strace",
      remote: path,
    } as const;
    if (answer === "succeeded") context.trace(record);
    else context.trace({ ...record, errno: answer, message: lines[i] });
  }
  return printed ? { answers, lines, addonSaid: printed } : { answers, lines };
}

/**
 * A unix-seqpacket connect()'s outcome: the kernel's answer, as strace saw it. The playground's
 * transport says what the addon threw; if the two disagree, the outcome shows both.
 */
export function seqpacketOutcome(playground: string, kernel: KernelAnswers): Observation {
  const answer = kernel.answers[0] ?? "no answer";
  const said = kernel.addonSaid ? `threw ${kernel.addonSaid}` : "threw nothing";
  return {
    outcome: answer === playground ? answer : `kernel ${answer}, playground ${playground}`,
    evidence: [
      `strace of the playground's addon in a child Node: ${kernel.lines[0]}`,
      `the addon ${said}; the playground's transport said ${playground}`,
    ],
  };
}
