// Each experiment in the report, as `playground experiment NAME` prints it: the claim and where it is
// from, the steps, the ladder of each run, the verdict table with its evidence, and the explanation.
import type { Experiment, Result } from "../experiments/experiment.js";
import type { Run } from "../experiments/runner.js";
import { factsOf } from "../transports/facts.js";
import { escapeText } from "../views/markup.js";
import { ladderFigure } from "./ladder-figure.js";

export function experimentsSection(all: readonly { experiment: Experiment; runs: readonly Run[] }[]): string {
  if (all.length === 0) return "";
  return [
    `<section id="experiments"><h2>Experiments: the man pages' claims, run live</h2>`,
    ...all.map(({ experiment, runs }) => experimentArticle(experiment, runs)),
    "</section>",
  ].join("\n");
}

function experimentArticle(experiment: Experiment, runs: readonly Run[]): string {
  const { claim } = experiment;
  const ladders = runs
    .filter((run) => run.events.length > 0)
    .map((run) => {
      const name = run.result.transport;
      return (
        `<h4>${escapeText(name)}</h4>` +
        ladderFigure(run.events, factsOf(name), {
          id: `experiment-${experiment.name}-${name}`,
          what: experiment.name,
          notes: false,
        })
      );
    });
  return [
    `<article class="experiment" id="experiment-${escapeText(experiment.name)}">`,
    `<h3>${escapeText(experiment.name)}</h3><p>${escapeText(experiment.summary)}</p>`,
    `<blockquote><p>“${escapeText(claim.text)}”</p><footer><cite>${escapeText(claim.page)}</cite>, ${escapeText(claim.section)}</footer></blockquote>`,
    `<ol class="steps">${experiment.steps.map((step) => `<li>${escapeText(step)}</li>`).join("")}</ol>`,
    ...ladders,
    verdictTable(runs.map((run) => run.result)),
    `<p class="explain">${escapeText(experiment.explain)}</p>`,
    "</article>",
  ].join("\n");
}

/** The verdicts in words (never by colour alone), with what showed each, and why some do not apply. */
function verdictTable(results: readonly Result[]): string {
  const verdict = (r: Result) => (r.bentBy ? `${r.verdict}: ${r.bentBy}` : r.verdict);
  const rows = results.map(
    (r) =>
      `<tr class="verdict-${r.verdict.replace(/ /g, "-")}"><th scope="row">${escapeText(r.transport)}</th>` +
      `<td>${escapeText(r.expected ?? "—")}</td><td>${escapeText(r.observed ?? "—")}</td><td>${escapeText(verdict(r))}</td></tr>`,
  );
  const evidence = results.flatMap((r) => [
    ...(r.evidence ?? []).map(
      (e) => `<li><strong>${escapeText(r.transport)}</strong>: ${escapeText(e)}</li>`,
    ),
    ...(r.verdict === "failed"
      ? [
          `<li><strong>${escapeText(r.transport)}</strong>: the run failed: ${escapeText(r.reason ?? "")}</li>`,
        ]
      : []),
  ]);
  const skipped = results.filter((r) => r.verdict === "not applicable");
  const notApplicable =
    skipped.length > 0 && skipped[0]?.reason
      ? `<p>Not applicable to ${escapeText(skipped.map((r) => r.transport).join(", "))}: ${escapeText(skipped[0].reason)}</p>`
      : "";
  return [
    `<table class="verdicts"><caption>Expected on Linux, and observed in this run</caption>`,
    `<thead><tr><th scope="col">transport</th><th scope="col">expected (Linux)</th>` +
      `<th scope="col">observed (this run)</th><th scope="col">verdict</th></tr></thead>`,
    `<tbody>${rows.join("")}</tbody></table>`,
    evidence.length > 0 ? `<ul class="evidence">${evidence.join("")}</ul>` : "",
    notApplicable,
  ].join("\n");
}
