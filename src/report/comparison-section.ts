// The comparison in the report: compare's own columns as an HTML table (one row per transport, to copy
// into notes), its legend, and charts of the measured columns, whose numbers are the table's.
import type { Comparison } from "../compare/compare.js";
import { COMPARE_COLUMNS, legend, measuredOn } from "../views/compare-table.js";
import { escapeText } from "../views/markup.js";
import { type Chart, drawCharts, transportBars } from "./charts.js";

export async function comparisonSection(comparison: Comparison): Promise<string> {
  const { rows } = comparison;
  const head = COMPARE_COLUMNS.map((c) => `<th scope="col">${escapeText(c.title)}</th>`).join("");
  const body = rows.map(
    (row) =>
      `<tr data-transport="${escapeText(row.transport)}">${COMPARE_COLUMNS.map((c, i) =>
        i === 0 ? `<th scope="row">${escapeText(c.cell(row))}</th>` : `<td>${escapeText(c.cell(row))}</td>`,
      ).join("")}</tr>`,
  );
  const charts = await drawCharts(measuredCharts(comparison));
  return [
    `<section id="comparison"><h2>The transports side by side</h2>`,
    `<table class="comparison"><caption>What each socket did in its traced session, and what it measured ` +
      `(<code>playground compare</code>)</caption>`,
    `<thead><tr>${head}</tr></thead><tbody>${body.join("")}</tbody></table>`,
    `<p class="legend">${escapeText(legend(comparison)).replace(/\n/g, " ")}</p>`,
    `<p class="measured">${escapeText(measuredOn(comparison))}.</p>`,
    `<div class="charts">${charts.map((svg) => `<figure class="chart">${svg}<figcaption>The numbers are in the table above.</figcaption></figure>`).join("")}</div>`,
    "</section>",
  ].join("\n");
}

/** The table's measured columns, one chart each: the session's p50 and p99, the message's round trip, MB/s. */
function measuredCharts({ rows }: Comparison): Chart[] {
  const of = (value: (m: Comparison["rows"][number]["measured"]) => number | undefined) =>
    rows.flatMap((r) => {
      const v = value(r.measured);
      return v === undefined ? [] : [{ transport: r.transport, value: v }];
    });
  const charts = [
    transportBars(
      "chart-session-p50",
      "Session, connect to close: median",
      "ms",
      of((m) => m.sessionP50Ms),
    ),
    transportBars(
      "chart-session-p99",
      "Session, connect to close: 99th percentile",
      "ms",
      of((m) => m.sessionP99Ms),
    ),
    transportBars(
      "chart-rtt-p50",
      "The message's round trip: median",
      "µs",
      of((m) => m.rttP50Us),
    ),
  ];
  const streams = of((m) => m.throughputMBps);
  if (streams.length > 0) charts.push(transportBars("chart-stream-mbps", "One-way stream", "MB/s", streams));
  return charts;
}
