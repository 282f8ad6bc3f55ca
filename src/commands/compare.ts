// `playground compare` (and `npm start`): the exchange on every transport, or a chosen set, side by
// side in one table. A progress bar shows on a terminal while it runs; Ctrl-C leaves no socket file.
import { type Comparison, compareOne, machine } from "../compare/compare.js";
import { exitOnInterrupt, notInterrupted } from "../leftovers.js";
import { progressBar } from "../output/progress.js";
import { parseTransportList } from "../strategy.js";
import { loadTransport } from "../transports/index.js";
import type { TransportName } from "../transports/transport.js";
import { renderCompareMarkdown, renderCompareText } from "../views/compare-table.js";
import { checkCapture } from "../wire/session.js";
import { freshAddress } from "./addresses.js";
import type { CompareFlags } from "./flags/compare.js";

export async function compare(flags: CompareFlags): Promise<void> {
  if (flags.hosts === "two") return compareOnTwoHosts(flags);
  const names = parseTransportList(flags.transport);
  // --duration is in range: the CLI checks it (commands/validate.ts).
  const seconds = flags.duration / names.length;
  exitOnInterrupt();
  if (flags.capture) {
    const transports = await Promise.all(names.map((name) => loadTransport(name)));
    for (const transport of transports) checkCapture(transport); // before anything runs
  }
  const progress = progressBar(names.length);
  const rows = [];
  try {
    for (const name of names) {
      await notInterrupted();
      progress.step(`comparing ${name}`, seconds);
      const transport = await loadTransport(name);
      rows.push(await compareOne(transport, () => freshAddress(name, {}), seconds, flags.capture));
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

/** The inet transports across the lab (src/lab/compare.ts), all four unless --transport says which. */
async function compareOnTwoHosts(flags: CompareFlags): Promise<void> {
  const { compareAcross, renderLabText, SESSIONS } = await import("../lab/compare.js");
  const names = flags.transport === undefined ? INET : parseTransportList(flags.transport);
  exitOnInterrupt();
  const progress = progressBar(names.length);
  const conditions = { loss: flags.loss, mtu: flags.mtu, delayMs: flags.delay };
  let comparison: Awaited<ReturnType<typeof compareAcross>>;
  try {
    comparison = await compareAcross(names, conditions, flags.firewall, (name) =>
      progress.step(`${SESSIONS} sessions on ${name} across the lab`, 2),
    );
  } finally {
    progress.done();
  }
  const format = flags.json ? "json" : (flags.format ?? "table");
  if (format === "json") process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
  else process.stdout.write(`${renderLabText(comparison, format === "markdown")}\n`);
}

const INET: TransportName[] = ["tcp4", "tcp6", "udp4", "udp6"];
