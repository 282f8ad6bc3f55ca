// The bench in the report: its text results as `playground bench` prints them, the latency of each mode
// as HdrHistogram's percentile curves, one line per transport, and the throughput as bars.
import { renderBenchText } from "../bench/report.js";
import type { BenchRow, BenchRun, Mode } from "../bench/run.js";
import { escapeText } from "../views/markup.js";
import { type Chart, drawCharts, percentileCurves, transportBars } from "./charts.js";

const LATENCY_OF: Partial<Record<Mode, string>> = {
  pingpong: "Round trip of one message (pingpong)",
  sessions: "Whole session, our client (sessions)",
  classic: "Whole session, the lab's client.py (classic)",
};

export async function benchSection(run: BenchRun): Promise<string> {
  const curves = latencyCurves(run);
  const bars = throughputBars(run);
  const svgs = await drawCharts([...curves.map((c) => c.chart), ...bars]);
  const figures = curves.map(
    (c, i) =>
      `<figure class="chart">${svgs[i]}<figcaption>${escapeText(c.chart.title)}: latency at each percentile.</figcaption>` +
      `<details class="as-text"><summary>The curve's numbers</summary>${c.table}</details></figure>`,
  );
  const barFigures = svgs
    .slice(curves.length)
    .map((svg) => `<figure class="chart">${svg}<figcaption>Bytes received per second.</figcaption></figure>`);
  return [
    `<section id="bench"><h2>Benchmarks</h2>`,
    `<pre class="bench">${escapeText(renderBenchText(run))}</pre>`,
    `<div class="charts">${[...figures, ...barFigures].join("")}</div>`,
    "</section>",
  ].join("\n");
}

/** Each mode with latencies: its chart, and its numbers as a table (a row per percentile). */
function latencyCurves(run: BenchRun): { chart: Chart; table: string }[] {
  return (Object.keys(LATENCY_OF) as Mode[]).flatMap((mode) => {
    const rows = run.rows.filter(
      (r): r is BenchRow & { result: { latencyUs: { curve: { percentile: number; us: number }[] } } } =>
        r.mode === mode && r.result !== undefined && "latencyUs" in r.result,
    );
    if (rows.length === 0) return [];
    const points = rows.flatMap((r) =>
      r.result.latencyUs.curve.map((p) => ({ transport: r.transport, ...p })),
    );
    const chart = percentileCurves(`chart-latency-${mode}`, LATENCY_OF[mode] as string, points);
    const percentiles = [...new Set(points.map((p) => p.percentile))].sort((a, b) => a - b);
    const cell = (r: (typeof rows)[number], p: number) =>
      r.result.latencyUs.curve.find((c) => c.percentile === p)?.us.toFixed(1) ?? "—";
    const table = [
      `<table><thead><tr><th scope="col">percentile</th>${rows.map((r) => `<th scope="col">${escapeText(r.transport)} (µs)</th>`).join("")}</tr></thead><tbody>`,
      ...percentiles.map(
        (p) => `<tr><th scope="row">${p}</th>${rows.map((r) => `<td>${cell(r, p)}</td>`).join("")}</tr>`,
      ),
      "</tbody></table>",
    ].join("");
    return [{ chart, table }];
  });
}

function throughputBars(run: BenchRun): Chart[] {
  const bars = run.rows.flatMap((r) =>
    r.result?.mode === "throughput" ? [{ transport: r.transport, value: r.result.bytesPerSecond / 1e6 }] : [],
  );
  return bars.length > 0
    ? [transportBars("chart-throughput", "Throughput, one way (throughput)", "MB/s", bars)]
    : [];
}
