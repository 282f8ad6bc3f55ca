// How experiments read on a terminal: the list, one experiment's report (claim, steps, the ladder of
// each run, the verdict table, the explanation), and the summary after `experiment all`.
import type { Experiment, Result } from "../experiments/experiment.js";
import type { Run } from "../experiments/runner.js";
import { TRANSPORT_NAMES } from "../strategy.js";
import { factsOf } from "../transports/facts.js";
import { renderLadder } from "./ladder.js";
import { wrap } from "./wrap.js";

export function renderList(experiments: readonly Experiment[]): string {
  const width = Math.max(...experiments.map((e) => e.name.length));
  return experiments
    .map((e) => {
      const applies = TRANSPORT_NAMES.filter((t) => t in e.expected);
      const where = applies.length === TRANSPORT_NAMES.length ? "all seven" : applies.join(", ");
      const lab = e.hosts === "two" ? " (--hosts two, as root)" : "";
      return wrap(`${e.name.padEnd(width)}  ${e.summary} [${where}]${lab}`, 100, " ".repeat(width + 2));
    })
    .join("\n");
}

export async function renderReport(
  experiment: Experiment,
  runs: readonly Run[],
  color: boolean,
): Promise<string> {
  const { claim } = experiment;
  const parts = [
    wrap(`${experiment.name}: ${experiment.summary}`, 100, "  "),
    "",
    wrap(`${claim.page}, ${claim.section}: “${claim.text}”`, 100, "  "),
    "",
    ...experiment.steps.map((step, i) => wrap(`${i + 1}. ${step}`, 100, "   ")),
  ];
  for (const run of runs) {
    if (run.events.length === 0) continue;
    parts.push("", `── ${run.result.transport} ${"─".repeat(95 - run.result.transport.length)}`);
    parts.push(renderLadder(run.events, factsOf(run.result.transport), color).trimEnd());
  }
  parts.push("", verdictTable(runs.map((r) => r.result)), "", wrap(experiment.explain, 100, ""));
  return `${parts.join("\n")}\n`;
}

function verdictTable(results: readonly Result[]): string {
  const verdict = (r: Result) => (r.bentBy ? `${r.verdict}: ${r.bentBy}` : r.verdict);
  const rows = results.map((r) => [r.transport, r.expected ?? "—", r.observed ?? "—", verdict(r)]);
  const header = ["transport", "expected (Linux)", "observed (this run)", "verdict"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  const lines = [line(header), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)];
  for (const r of results) {
    for (const evidence of r.evidence ?? []) lines.push(wrap(`  ${r.transport}: ${evidence}`, 100, "    "));
    if (r.verdict === "failed")
      lines.push(wrap(`  ${r.transport}: the run failed: ${r.reason}`, 100, "    "));
  }
  const skipped = results.filter((r) => r.verdict === "not applicable");
  if (skipped.length > 0 && skipped[0]?.reason) {
    lines.push(
      wrap(
        `  not applicable to ${skipped.map((r) => r.transport).join(", ")}: ${skipped[0].reason}`,
        100,
        "    ",
      ),
    );
  }
  return lines.join("\n");
}

export function renderSummary(
  all: readonly { experiment: Experiment; results: readonly Result[] }[],
): string {
  const count = (results: readonly Result[], verdict: Result["verdict"]) =>
    results.filter((r) => r.verdict === verdict).length;
  const width = Math.max("experiment".length, ...all.map((a) => a.experiment.name.length));
  const header = `${"experiment".padEnd(width)}  matches  differs  failed  n/a`;
  const lines = [header, "─".repeat(header.length)];
  for (const { experiment, results } of all) {
    const cells = [
      count(results, "matches"),
      count(results, "differs"),
      count(results, "failed"),
      count(results, "not applicable"),
    ];
    lines.push(
      `${experiment.name.padEnd(width)}  ${cells.map((c, i) => String(c).padStart(i === 3 ? 3 : 7)).join("  ")}`,
    );
  }
  const flat = all.flatMap((a) => a.results);
  lines.push(
    "",
    `${all.length} experiments, ${flat.length - count(flat, "not applicable")} runs: ${count(flat, "matches")} match, ` +
      `${count(flat, "differs")} differ, ${count(flat, "failed")} failed.`,
  );
  for (const r of flat.filter((x) => x.verdict === "differs" || x.verdict === "failed")) {
    lines.push(
      wrap(
        `  ${r.experiment} on ${r.transport}: expected ${r.expected}, observed ${r.observed ?? r.reason}` +
          (r.bentBy ? ` (bent by ${r.bentBy}, not the kernel)` : ""),
        100,
        "    ",
      ),
    );
  }
  return lines.join("\n");
}
