// The bench's results as text: a header saying what ran where, one line per transport and mode (at
// most 100 columns), and notes for what a line cannot hold: datagrams lost, sessions failed. --json
// prints the BenchRun itself instead.
import { wrap } from "../views/wrap.js";
import type { LatencySummary } from "./histogram.js";
import { type BenchRow, type BenchRun, defaultSize } from "./run.js";

const WIDTH = { transport: 15, mode: 11, rate: 15, latency: 8, cpu: 8 };
/** No line of the text is wider. */
const WIDTH_MAX = 100;

export function renderBenchText(run: BenchRun): string {
  const { settings, machine } = run;
  const sizes = settings.size === undefined ? defaultSizes(run) : `${bytes(settings.size)} messages`;
  // The header's lines hold names this machine chose (its CPU, its kernel): wrapped, as the notes are.
  const said = [
    `playground bench: ${seconds(settings.durationSeconds)} measured per run after ${seconds(settings.warmupSeconds)} ` +
      `of warm-up; sessions from ${settings.concurrency} clients`,
    `messages: ${sizes}`,
    `machine: ${machine.cores} × ${machine.cpu}, ${machine.kernel}, Node ${machine.node}; ${run.date}`,
  ];
  const lines = [...said.map((text) => wrap(text, WIDTH_MAX, "  ")), "", header()];
  const notes: string[] = [];
  for (const row of run.rows) {
    lines.push(line(row));
    const note = noteFor(row);
    if (note) notes.push(wrap(`  ${row.transport} ${row.mode}: ${note}`, WIDTH_MAX, "    "));
  }
  lines.push(
    "",
    "Latency: a whole round trip (pingpong) or session (sessions, classic). Rates: per wall-time second.",
    "server CPU: the server process over the measured run, 100 % = one core.",
  );
  if (notes.length > 0) lines.push("", ...notes);
  return lines.join("\n");
}

function header(): string {
  const latency = ["p50", "p90", "p99", "p99.9", "max"].map((p) => p.padStart(WIDTH.latency)).join("");
  return (
    "transport".padEnd(WIDTH.transport) +
    "mode".padEnd(WIDTH.mode) +
    "rate".padStart(WIDTH.rate) +
    latency +
    "server CPU".padStart(WIDTH.cpu + 3)
  );
}

function line(row: BenchRow): string {
  const start = row.transport.padEnd(WIDTH.transport) + row.mode.padEnd(WIDTH.mode);
  const { result } = row;
  if (!result) return `${start}${"failed (see below)".padStart(WIDTH.rate + 3)}`;
  let rate: string;
  let latency: LatencySummary | undefined;
  if (result.mode === "pingpong") {
    rate = `${count(result.messagesPerSecond)} msg/s`;
    latency = result.latencyUs;
  } else if (result.mode === "sessions" || result.mode === "classic") {
    rate = `${count(result.sessionsPerSecond)} ses/s`;
    latency = result.latencyUs;
  } else {
    rate = `${bytes(result.bytesPerSecond, 1000)}/s`;
  }
  const cells = latency
    ? [latency.p50Us, latency.p90Us, latency.p99Us, latency.p999Us, latency.maxUs].map((us) =>
        duration(us).padStart(WIDTH.latency),
      )
    : [" ".repeat(WIDTH.latency * 5)];
  const cpu = row.serverCpuPercent === undefined ? "" : `${row.serverCpuPercent} %`;
  return start + rate.padStart(WIDTH.rate) + cells.join("") + cpu.padStart(WIDTH.cpu + 3);
}

function noteFor(row: BenchRow): string | undefined {
  if (row.error !== undefined) return `failed: ${row.error}`;
  const { result } = row;
  if (result?.mode === "throughput" && result.datagrams) {
    const { sent, refused, received, lost, lossPercent } = result.datagrams;
    const refusals = refused > 0 ? `; ${count(refused)} sends refused (EAGAIN)` : "";
    return `${count(sent)} datagrams sent, ${count(received)} received, ${count(lost)} lost (${lossPercent.toFixed(1)} %)${refusals}`;
  }
  if (result?.mode === "pingpong" && result.lost > 0) return `${result.lost} pings lost (no echo in 200 ms)`;
  if ((result?.mode === "sessions" || result?.mode === "classic") && result.errors > 0)
    return `${result.errors} sessions failed: ${result.firstError}`;
  return undefined;
}

function defaultSizes(run: BenchRun): string {
  const parts: string[] = [];
  if (run.settings.modes.includes("pingpong"))
    parts.push(`pingpong ${bytes(defaultSize("pingpong", { type: "dgram" }))}`);
  if (run.settings.modes.includes("throughput")) {
    const stream = bytes(defaultSize("throughput", { type: "stream" }));
    const records = bytes(defaultSize("throughput", { type: "dgram" }));
    parts.push(`throughput ${stream} writes on streams, ${records} records and datagrams`);
  }
  return parts.length > 0 ? parts.join("; ") : "the playground's own (sessions)";
}

/** 12,345 as "12.3 k": three significant figures. */
function count(n: number): string {
  return scaled(n, 1000, ["", " k", " M", " G", " T"]);
}

/** Bytes: 1024-based for sizes ("128 KiB"), 1000-based for rates ("2.41 GB"), as iperf3 prints them. */
function bytes(n: number, base: 1000 | 1024 = 1024): string {
  const units = base === 1024 ? ["B", "KiB", "MiB", "GiB", "TiB"] : ["B", "kB", "MB", "GB", "TB"];
  return scaled(
    n,
    base,
    units.map((unit) => ` ${unit}`),
  );
}

function duration(us: number): string {
  return scaled(us, 1000, [" µs", " ms", " s"]);
}

/**
 * `n` in the largest unit that keeps it below `base` once rounded, to three significant figures:
 * 999,960 is "1.00 M", never "1.00e+3 k" (toPrecision's exponent form at a unit's top).
 */
function scaled(n: number, base: number, units: readonly string[]): string {
  let value = n;
  let unit = 0;
  while (unit < units.length - 1 && Number(value.toPrecision(3)) >= base) {
    value /= base;
    unit++;
  }
  const digits = value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toPrecision(3);
  return `${digits}${units[unit]}`;
}

function seconds(s: number): string {
  return `${s} s`;
}
