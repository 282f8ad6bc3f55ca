// `playground compare` (and `npm start`): the exchange on every transport, or a chosen set, side by
// side in one table. A progress bar shows on a terminal while it runs; Ctrl-C leaves no socket file.
import { type Comparison, compareOne, machine } from "../compare/compare.js";
import { UsageError } from "../errors.js";
import { exitOnInterrupt, notInterrupted } from "../leftovers.js";
import { progressBar } from "../output/progress.js";
import { parseTransportName, TRANSPORT_NAMES } from "../strategy.js";
import { loadTransport } from "../transports/index.js";
import type { TransportName } from "../transports/transport.js";
import { renderCompareMarkdown, renderCompareText } from "../views/compare-table.js";
import { freshAddress } from "./addresses.js";

export interface CompareFlags {
  transports?: string;
  duration: number;
  json: boolean;
  format?: "table" | "markdown" | "json";
}

export async function compare(flags: CompareFlags): Promise<void> {
  const names = chooseTransports(flags.transports);
  // --duration is in range: the CLI checks it (commands/validate.ts).
  const seconds = flags.duration / names.length;
  exitOnInterrupt();
  const progress = progressBar(names.length);
  const rows = [];
  try {
    for (const name of names) {
      await notInterrupted();
      progress.step(`comparing ${name}`, seconds);
      rows.push(await compareOne(await loadTransport(name), () => freshAddress(name, {}), seconds));
    }
  } finally {
    progress.done();
  }
  const comparison: Comparison = {
    date: new Date().toISOString(),
    machine: machine(),
    secondsPerTransport: seconds,
    rows,
  };
  const format = flags.json ? "json" : (flags.format ?? "table");
  if (format === "json") process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
  else if (format === "markdown") process.stdout.write(`${renderCompareMarkdown(comparison)}\n`);
  else process.stdout.write(`${renderCompareText(comparison)}\n`);
}

function chooseTransports(list: string | undefined): TransportName[] {
  if (list === undefined || list === "all") return [...TRANSPORT_NAMES];
  const names = list.split(",").map((name) => parseTransportName(name.trim()));
  if (names.length === 0) throw new UsageError("--transports needs at least one name");
  return [...new Set(names)];
}
