// The comparison as two text tables that fit in 100 columns (what each socket is; how it behaved and
// how fast it was), or as one Markdown table to paste into notes. Reads a Comparison only.
import type { CompareRow, Comparison } from "../compare/compare.js";
import { wrap } from "./wrap.js";

export interface Column {
  title: string;
  cell(row: CompareRow): string;
}

const callsColumns: Column[] = [
  { title: "transport", cell: (r) => r.transport },
  { title: "server calls", cell: (r) => r.calls.server.join(" ") },
  { title: "client calls", cell: (r) => r.calls.client.join(" ") },
  { title: "address", cell: (r) => r.address.form },
  { title: "client bind()", cell: (r) => r.clientBinds },
];

const behaviourColumns: Column[] = [
  { title: "transport", cell: (r) => r.transport },
  { title: "conn", cell: (r) => yesNo(r.connectionOriented) },
  { title: "reliable", cell: (r) => yesNo(r.reliable) },
  { title: "boundaries", cell: boundaries },
  { title: "RTTs", cell: (r) => String(r.roundTripsToFirstByte) },
  {
    title: "session p50/p99 ms",
    cell: (r) => `${ms(r.measured.sessionP50Ms)} / ${ms(r.measured.sessionP99Ms)}`,
  },
  { title: "rtt p50 µs", cell: (r) => Math.round(r.measured.rttP50Us).toString() },
  {
    title: "MB/s",
    cell: (r) =>
      r.measured.throughputMBps === undefined ? "—" : Math.round(r.measured.throughputMBps).toString(),
  },
];

function yesNo(value: boolean): string {
  return value ? "yes" : "no";
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** Kept or not (the type's promise), then what this run saw: the sizes sent and the sizes read. */
function boundaries(r: CompareRow): string {
  const { sends, reads } = r.boundaries.observed;
  return `${r.boundaries.kept ? "kept" : "no  "} ${sends.join("+")}→${reads.join("+") || "none"}`;
}

function textTable(columns: Column[], rows: readonly CompareRow[]): string {
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...cells.map((row) => (row[i] as string).length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), line(widths.map((w) => "─".repeat(w))), ...cells.map(line)].join(
    "\n",
  );
}

const WIRE_TITLE = "on the wire (the traced session, tcpdump on lo, in order)";

/** A transport's traced session as tcpdump saw it, packet by packet (--capture). */
function wireOf(r: CompareRow): string {
  return r.wire?.none
    ? "(no wire: the kernel moves the bytes between the sockets' queues)"
    : (r.wire?.packets.join(", ") ?? "");
}

/** With --capture: each transport's traced session on the wire. */
function wireTable(rows: readonly CompareRow[]): string[] {
  if (!rows.some((r) => r.wire)) return [];
  const width = Math.max(...rows.map((r) => r.transport.length));
  const lines = rows.map((r) =>
    wrap(`${r.transport.padEnd(width)}  ${wireOf(r)}`, 100, " ".repeat(width + 2)),
  );
  return [WIRE_TITLE, "─".repeat(58), ...lines, ""];
}

export function renderCompareText(comparison: Comparison): string {
  const { rows } = comparison;
  return [
    textTable(callsColumns, rows),
    "",
    textTable(behaviourColumns, rows),
    "",
    ...wireTable(rows),
    legend(comparison),
    wrap(
      `${measuredOn(comparison)}; ${sessionCounts(rows)} sessions per transport in ${comparison.secondsPerTransport.toFixed(2)} s.`,
      100,
      "",
    ),
  ].join("\n");
}

export function measuredOn({ date, machine }: Comparison): string {
  return `Measured ${date} on ${machine.cores} cores (${machine.cpu}), ${machine.kernel}, Node ${machine.node}`;
}

function sessionCounts(rows: readonly CompareRow[]): string {
  const counts = rows.map((r) => r.measured.sessions);
  const [low, high] = [Math.min(...counts), Math.max(...counts)];
  return low === high ? String(low) : `${low}–${high}`;
}

export function legend(comparison: Comparison): string {
  const anyInferred = comparison.rows.some((r) =>
    [...r.calls.server, ...r.calls.client].some((c) => c.endsWith("*")),
  );
  return [
    anyInferred ? "* Node made the call inside another one (server.listen() is socket+bind+listen)." : "",
    "RTTs: round trips before the welcome's first byte reached the client. TCP: SYN, SYN-ACK and ACK",
    "before accept() returns, then the welcome, four one-way trips; a unix connect() sends nothing; a",
    "datagram client sends its hello first. boundaries: the message sent in two send()s, and the sizes",
    "the server's recv()s returned. Session: connect to close, one at a time.",
    "client bind(): automatic = the kernel gives an inet client an ephemeral port; a unix datagram client",
    "must bind a path to be answered; a unix stream or seqpacket client stays unnamed.",
  ]
    .filter(Boolean)
    .join("\n");
}

/** The columns of both text tables in one row per transport: the Markdown table's, and the report's. */
export const COMPARE_COLUMNS: readonly Column[] = [...callsColumns, ...behaviourColumns.slice(1)];

export function renderCompareMarkdown(comparison: Comparison): string {
  const columns = COMPARE_COLUMNS;
  const markdownCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\*/g, "\\*");
  const row = (values: string[]) => `| ${values.map(markdownCell).join(" | ")} |`;
  return [
    row(columns.map((c) => c.title)),
    `|${columns.map(() => "---").join("|")}|`,
    ...comparison.rows.map((r) => row(columns.map((c) => c.cell(r)))),
    "",
    ...(comparison.rows.some((r) => r.wire)
      ? [
          row(["transport", WIRE_TITLE]),
          "|---|---|",
          ...comparison.rows.map((r) => row([r.transport, wireOf(r)])),
          "",
        ]
      : []),
    `${measuredOn(comparison)}.`,
  ].join("\n");
}
