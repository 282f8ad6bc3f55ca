// `playground experiment list | all | <name>`: the man pages' claims, run live.
import { UsageError } from "../errors.js";
import type { Experiment } from "../experiments/experiment.js";
import { EXPERIMENTS, findExperiment } from "../experiments/index.js";
import { runExperiment } from "../experiments/runner.js";
import { parseTransportName, TRANSPORT_NAMES } from "../strategy.js";
import { renderList, renderReport, renderSummary } from "../views/experiment-report.js";
import { useColor } from "../views/paint.js";
import { didYouMean } from "./did-you-mean.js";

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
  const all = [];
  for (const exp of chosen) {
    const runs = await runExperiment(exp, only);
    all.push({ experiment: exp, runs, results: runs.map((r) => r.result) });
    if (flags.json)
      out(
        JSON.stringify({
          ...describe(exp),
          results: runs.map((r) => r.result),
          events: runs.flatMap((r) => r.events),
        }),
      );
    else if (flags.name !== "all") out(await renderReport(exp, runs, useColor(process.stdout)));
  }
  if (flags.name === "all" && !flags.json) out(renderSummary(all));
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
    const names = EXPERIMENTS.map((e) => e.name);
    const near = didYouMean(name, names);
    // The whole list is long: a near name is enough, with where to see the rest.
    throw new UsageError(
      near
        ? `no experiment '${name}'${near} (playground experiment list shows them all)`
        : `no experiment '${name}': use list, all, or one of ${names.join(", ")}`,
    );
  }
  return found;
}
