// `playground experiment list | all | <name>`: the man pages' claims, run live, with a progress bar
// on a terminal. Ctrl-C stops the peers and removes the temp dirs (leftovers.ts).
import { UsageError } from "../errors.js";
import type { Experiment } from "../experiments/experiment.js";
import { EXPERIMENTS, findExperiment } from "../experiments/index.js";
import { runExperiment, runsOf } from "../experiments/runner.js";
import { exitOnInterrupt } from "../leftovers.js";
import { progressBar } from "../output/progress.js";
import { parseTransportName, TRANSPORT_NAMES } from "../strategy.js";
import { renderList, renderReport, renderSummary } from "../views/experiment-report.js";
import { useColor } from "../views/paint.js";

export interface ExperimentFlags {
  name: string;
  transport?: string;
  json: boolean;
}

export async function experiment(flags: ExperimentFlags): Promise<void> {
  const only = flags.transport?.split(",").map((t) => parseTransportName(t.trim()));
  const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  if (flags.name === "list") {
    if (flags.json) out(JSON.stringify(EXPERIMENTS.map(describe), null, 2));
    else out(renderList(EXPERIMENTS));
    return;
  }
  const chosen = flags.name === "all" ? EXPERIMENTS : [findOrFail(flags.name)];
  exitOnInterrupt();
  // --json streams a line per experiment: on the same terminal, the lines are the progress.
  const progress = progressBar(
    chosen.reduce((sum, exp) => sum + runsOf(exp, only).length, 0),
    !(flags.json && process.stdout.isTTY),
  );
  const all = [];
  for (const exp of chosen) {
    const runs = await runExperiment(exp, only, (name) => progress.step(`${exp.name} on ${name}`, 0.5));
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
  if (!flags.json && flags.name === "all") out(renderSummary(all));
  else if (!flags.json)
    for (const one of all) out(await renderReport(one.experiment, one.runs, useColor(process.stdout)));
  const bad = all.flatMap((a) => a.results).filter((r) => r.verdict === "failed");
  if (bad.length > 0) process.exitCode = 1;
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
  };
}

function findOrFail(name: string): Experiment {
  const found = findExperiment(name);
  if (!found) {
    throw new UsageError(
      `no experiment '${name}': use list, all, or one of ${EXPERIMENTS.map((e) => e.name).join(", ")}`,
    );
  }
  return found;
}
