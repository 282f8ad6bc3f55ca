// `playground report`: compare's traced sessions and measurements, and as asked the experiments and the
// bench, gathered on real sockets (report/collect.ts) and written as one self-contained HTML page
// (report/page.ts). Every flag and the output path are checked before anything runs; Ctrl-C stops the
// runs and leaves no file, whole or partial (report/write.ts, leftovers.ts).
import { accessSync, constants, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { type BenchSettings, MODES, modeApplies } from "../bench/run.js";
import { UsageError } from "../errors.js";
import type { Experiment } from "../experiments/experiment.js";
import { EXPERIMENTS, findExperiment } from "../experiments/index.js";
import { exitOnInterrupt } from "../leftovers.js";
import { progressBar } from "../output/progress.js";
import { collectReport, type ReportData, stepsOf } from "../report/collect.js";
import { renderPage } from "../report/page.js";
import { writeWhole } from "../report/write.js";
import { familyTypeOf, parseTransportList } from "../strategy.js";
import { factsOf } from "../transports/facts.js";
import type { TransportName } from "../transports/transport.js";
import { checkCapture } from "../wire/session.js";
import { didYouMean } from "./did-you-mean.js";
import { requireTools } from "./experiment.js";
import { BENCH_DEFAULTS } from "./flags/bench.js";
import { COMPARE_SECONDS } from "./flags/compare.js";
import { DEFAULT_REPORT, type ReportFlags } from "./flags/report.js";

/** bench's own defaults: every mode, each measured after a warm-up. */
const BENCH: Omit<BenchSettings, "transports"> = {
  modes: [...MODES],
  durationSeconds: BENCH_DEFAULTS.duration,
  warmupSeconds: BENCH_DEFAULTS.warmup,
  concurrency: BENCH_DEFAULTS.concurrency,
};

export async function report(flags: ReportFlags): Promise<void> {
  const out = checkOut(flags.out);
  const transports = parseTransportList(flags.transport);
  const experiments = flags.experiments === undefined ? [] : parseExperiments(flags.experiments);
  if (experiments.length > 0) requireTools(flags.experiments as string, experiments, transports);
  // Root and tcpdump (and tracefs for TCP), before anything runs: only for the inet transports chosen.
  if (flags.capture) for (const name of transports) checkCapture(factsOf(name));
  const bench = flags.bench ? { ...BENCH, transports } : undefined;
  const settings = {
    command: commandLine(process.argv.slice(2)),
    transports,
    compareSeconds: COMPARE_SECONDS,
    experiments,
    capture: flags.capture,
    ...(bench ? { bench } : {}),
  };
  exitOnInterrupt();
  const progress = progressBar(stepsOf(settings, bench ? benchRuns(bench) : 0));
  const start = performance.now();
  let data: ReportData;
  try {
    data = await collectReport(settings, progress);
  } finally {
    progress.done();
  }
  const ran = performance.now();
  const page = await renderPage(data);
  writeWhole(out, page);
  const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
  process.stdout.write(
    `Wrote ${out} (${Math.ceil(Buffer.byteLength(page) / 1024)} KiB): the runs took ` +
      `${seconds(start, ran)} s, the page ${seconds(ran, performance.now())} s.\n`,
  );
  // As experiment and bench do: the page shows what failed, and the exit code says that something did.
  const failed = failedRuns(data);
  if (failed.length > 0) {
    process.stderr.write(`playground: ${failed.length} failed, as the report shows: ${failed.join(", ")}\n`);
    process.exitCode = 1;
  }
}

/** The runs that gave no result: an experiment's run that failed, a bench run with an error. */
function failedRuns(data: ReportData): string[] {
  return [
    ...data.experiments.flatMap(({ experiment, runs }) =>
      runs
        .filter((run) => run.result.verdict === "failed")
        .map((run) => `${experiment.name} on ${run.result.transport}`),
    ),
    ...(data.bench?.rows ?? [])
      .filter((row) => row.error !== undefined)
      .map((row) => `bench ${row.mode} on ${row.transport}`),
  ];
}

/**
 * The path to write, refused in one line before anything runs when it cannot be: a directory, a
 * directory that does not exist, or one this user may not write in.
 */
function checkOut(out: string): string {
  const path = resolve(out);
  const stat = statOf(path);
  if (stat?.isDirectory())
    throw new UsageError(
      `--out ${out} is a directory: give a file name, such as ${join(out, DEFAULT_REPORT)}`,
    );
  if (stat && !stat.isFile()) throw new UsageError(`--out ${out} is not a regular file: give a file name`);
  const dir = dirname(path);
  const parent = statOf(dir);
  if (!parent?.isDirectory())
    throw new UsageError(
      `--out ${out}: there is no directory ${dir}: create it, or give a path in one that exists`,
    );
  try {
    accessSync(dir, constants.W_OK);
    if (stat) accessSync(path, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EACCES";
    throw new UsageError(
      `--out ${out}: cannot write ${stat ? "it" : `in ${dir}`} (${code}): give a path you can write`,
    );
  }
  return path;
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The experiments a report can run: those on this host's loopback. The lab's (--hosts two) need root
 * and two network namespaces, which a report does not build; `experiment --hosts two` runs them.
 */
const ON_LOOPBACK = EXPERIMENTS.filter((exp) => exp.hosts !== "two");

/** --experiments: names, comma-separated, or all; a misspelled one gets a did-you-mean. */
export function parseExperiments(text: string): Experiment[] {
  const names = [...new Set(text.split(",").map((name) => name.trim()))];
  if (names.length === 1 && names[0] === "all") return [...ON_LOOPBACK];
  return names.map((name) => {
    const found = findExperiment(name);
    if (found?.hosts === "two") {
      throw new UsageError(
        `--experiments: ${name} runs across two hosts, which a report does not build: run it with playground experiment ${name} --hosts two (as root)`,
      );
    }
    if (found) return found;
    const near = didYouMean(name, ["all", ...EXPERIMENTS.map((e) => e.name)]);
    throw new UsageError(
      `--experiments: no experiment '${name}'${near || ": give names from playground experiment list, or all"}`,
    );
  });
}

/** The bench's runs, for the progress bar: the classic client needs a connection. */
function benchRuns(bench: BenchSettings): number {
  const connection = (name: TransportName) => ({ connectionOriented: familyTypeOf(name).type !== "dgram" });
  return bench.transports.reduce(
    (sum, name) => sum + bench.modes.filter((mode) => modeApplies(mode, connection(name))).length,
    0,
  );
}

/** The command line as a shell would take it back: words with spaces or quotes in single quotes. */
function commandLine(args: readonly string[]): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  return ["playground", ...args.map(quote)].join(" ");
}
