// `playground experiment list | all | <name>`: the man pages' claims, run live, with a progress bar
// on a terminal. Ctrl-C stops the peers and removes the temp dirs (leftovers.ts).
import { UsageError } from "../errors.js";
import type { Experiment } from "../experiments/experiment.js";
import { EXPERIMENTS, findExperiment } from "../experiments/index.js";
import { runExperiment, runsOf } from "../experiments/runner.js";
import { exitOnInterrupt } from "../leftovers.js";
import { progressBar } from "../output/progress.js";
import { parseTransportList, TRANSPORT_NAMES } from "../strategy.js";
import { commandOf, findProgram, installOf, notFound, type Tool } from "../tools.js";
import { factsOf } from "../transports/facts.js";
import type { TransportName } from "../transports/transport.js";
import { renderList, renderReport, renderSummary } from "../views/experiment-report.js";
import { useColor } from "../views/paint.js";
import { wrap } from "../views/wrap.js";
import { checkCapture as checkWire } from "../wire/session.js";
import { didYouMean } from "./did-you-mean.js";
import type { ExperimentFlags } from "./flags/experiment.js";

export async function experiment(flags: ExperimentFlags): Promise<void> {
  const only = flags.transport === undefined ? undefined : parseTransportList(flags.transport);
  const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  if (flags.name === "list") {
    if (flags.json) out(JSON.stringify(EXPERIMENTS.map(describe), null, 2));
    else out(renderList(EXPERIMENTS));
    return;
  }
  const two = flags.hosts === "two";
  const chosen =
    flags.name === "all"
      ? EXPERIMENTS.filter((exp) => (exp.hosts === "two") === two)
      : [onTheRightHosts(findOrFail(flags.name), two)];
  if (two) (await import("../lab/lab.js")).checkLab(); // root, ip and nft: before anything runs
  requireTools(flags.name, chosen, only);
  if (flags.capture) {
    // Root and tcpdump (and tracefs for TCP), before anything runs: only for the inet runs chosen,
    // since a unix socket has no wire to capture.
    const runs = new Set(chosen.flatMap((exp) => runsOf(exp, only)));
    for (const name of runs) checkWire(factsOf(name));
  }
  exitOnInterrupt();
  // One lab for every run; each run sets the conditions it needs and takes them away again.
  const lab = two ? (await import("../lab/lab.js")).makeLab() : undefined;
  // --json streams a line per experiment: on the same terminal, the lines are the progress.
  const progress = progressBar(
    chosen.reduce((sum, exp) => sum + runsOf(exp, only).length, 0),
    !(flags.json && process.stdout.isTTY),
  );
  const all = [];
  for (const exp of chosen) {
    const runs = await runExperiment(
      exp,
      only,
      (name) => progress.step(`${exp.name} on ${name}`, 0.5),
      flags.capture,
      lab,
    );
    all.push({ experiment: exp, runs, results: runs.map((r) => r.result) });
    if (flags.json)
      out(
        JSON.stringify({
          ...describe(exp),
          results: runs.map((r) => r.result),
          events: runs.flatMap((r) => r.events),
        }),
      );
  }
  progress.done(); // before the report: the bar and the report may share a terminal
  lab?.remove();
  if (!flags.json && flags.name === "all") {
    // The summary's last line: what `all` left out on one host, and how to run it.
    const lab = `The lab's ${LAB_NAMES.length} experiments run across two hosts: add --hosts two (as root) for ${LAB_NAMES.join(", ")}.`;
    out(`${renderSummary(all)}${two ? "" : `\n\n${wrap(lab, 100, "")}`}`);
  } else if (!flags.json)
    for (const one of all) out(await renderReport(one.experiment, one.runs, useColor(process.stdout)));
  const bad = all.flatMap((a) => a.results).filter((r) => r.verdict === "failed");
  if (bad.length > 0) process.exitCode = 1;
}

const LAB_NAMES = EXPERIMENTS.filter((exp) => exp.hosts === "two").map((exp) => exp.name);

/**
 * An experiment runs where its claim can show: a lab experiment across two hosts, and it says what to
 * add rather than building a lab of namespaces (root, and changes to the machine's network state) that
 * nobody asked for; a loopback experiment on one host, and it says so rather than run the same thing
 * again beside an unused lab.
 */
function onTheRightHosts(exp: Experiment, two: boolean): Experiment {
  if (exp.hosts === "two" && !two) {
    throw new UsageError(
      `${exp.name} runs across two hosts, a lab of two network namespaces the tool builds: add --hosts two (as root)`,
    );
  }
  if (exp.hosts !== "two" && two) {
    throw new UsageError(
      `${exp.name} is a loopback experiment, on one host: leave out --hosts two (across two hosts: ${LAB_NAMES.join(", ")})`,
    );
  }
  return exp;
}

function describe(exp: Experiment) {
  const { name, summary, claim, steps, expected, notApplicable, explain } = exp;
  return {
    name,
    summary,
    claim,
    steps,
    expected,
    notApplicable,
    explain,
    transports: TRANSPORT_NAMES.filter((t) => t in expected),
    // Across two hosts (--hosts two, root), or on this one's loopback.
    hosts: exp.hosts === "two" ? "two" : "one",
  };
}

/**
 * Refuse in one line, before anything runs, when chosen runs need programs that are not on PATH: every
 * missing one at once (not one per try), and the transports that --transport can keep, which need none.
 * Without this every such run would only fail, one line each, with the real problem buried among them.
 */
export function requireTools(
  name: string,
  chosen: readonly Experiment[],
  only?: readonly TransportName[],
): void {
  const missing = (Object.keys(WHY) as Tool[]).flatMap((tool) => {
    if (findProgram(commandOf(tool))) return [];
    const users = chosen.map((exp) =>
      (exp.needs?.[tool] ?? []).filter((t) => t in exp.expected && (!only || only.includes(t))),
    );
    return users.flat().length === 0 ? [] : [{ tool, users }];
  });
  if (missing.length === 0) return;
  const needing = new Set(missing.flatMap((m) => m.users.flat()));
  const keep = (only ?? TRANSPORT_NAMES).filter((t) => !needing.has(t));
  const without = keep.length
    ? ` — or leave those runs out: --transport ${keep.join(",")}`
    : ` — --transport can leave runs out, but every transport chosen has some that need ${missing.length === 1 ? "it" : "them"}`;
  const whys = missing.map(({ tool, users }) => `${WHY[tool]} ${countOf(users)}`).join("; ");
  throw new Error(
    `${missing.map((m) => notFound(m.tool)).join(" and ")}, and experiment ${name} needs ` +
      `${missing.length === 1 ? "it" : "them"} (${whys}): ${installOf(...missing.map((m) => m.tool))}${without}`,
  );
}

/** "17 runs of 7 experiments", "1 run": the runs, per experiment, that need a program. */
function countOf(users: readonly (readonly TransportName[])[]): string {
  const runs = users.flat().length;
  const experiments = users.filter((u) => u.length > 0).length;
  return `${runs} run${runs === 1 ? "" : "s"}${experiments > 1 ? ` of ${experiments} experiments` : ""}`;
}

/** What each program does for the runs that start it. */
const WHY: Record<Tool, string> = {
  python3: "a python3 peer gives the kernel's own answer in",
  strace: "strace shows what the kernel told the playground's addon in",
};

function findOrFail(name: string): Experiment {
  const found = findExperiment(name);
  if (!found) {
    const names = EXPERIMENTS.map((e) => e.name);
    // list and all are names too: `lsit` is as likely a typo as any experiment's.
    const near = didYouMean(name, ["list", "all", ...names]);
    // The whole list is long: a near name is enough, with where to see the rest.
    throw new UsageError(
      near
        ? `no experiment '${name}'${near} (playground experiment list shows them all)`
        : `no experiment '${name}': use list, all, or one of ${names.join(", ")}`,
    );
  }
  return found;
}
