// What a report holds, gathered by the commands' own data functions — compare's traced session and
// measurements (compare/compare.ts), the experiments' runner, the bench — on real sockets, now. Each
// transport's ladder is the traced session its comparison row came from: one run, not a second one.

import { type BenchRun, type BenchSettings, runBench } from "../bench/run.js";
import { freshAddress } from "../commands/addresses.js";
import { type Comparison, compareTraced, machine } from "../compare/compare.js";
import type { Experiment } from "../experiments/experiment.js";
import { type Run, runExperiment, runsOf } from "../experiments/runner.js";
import { notInterrupted } from "../leftovers.js";
import type { Progress } from "../output/progress.js";
import type { SocketEvent } from "../trace/events.js";
import { loadTransport } from "../transports/index.js";
import type { TransportName } from "../transports/transport.js";
import type { Wire } from "../wire/wire.js";

export interface ReportSettings {
  /** The command line that made it, as the page shows it. */
  command: string;
  transports: TransportName[];
  /** Seconds of compare's measuring, shared by the transports (compare's --duration). */
  compareSeconds: number;
  experiments: readonly Experiment[];
  /** Capture what crossed the wire in each inet run (root): a third lane in its ladder. */
  capture?: boolean;
  /** Run the bench too, with these settings. */
  bench?: BenchSettings;
}

export interface Session {
  transport: TransportName;
  events: SocketEvent[];
  wire?: Wire;
}

export interface ReportData {
  command: string;
  date: string;
  machine: Comparison["machine"];
  comparison: Comparison;
  /** Each transport's traced session, in the comparison's order. */
  sessions: Session[];
  experiments: { experiment: Experiment; runs: Run[] }[];
  bench?: BenchRun;
}

/** How many steps the progress bar counts: a transport, an experiment's run, a bench run. */
export function stepsOf(settings: ReportSettings, benchRuns: number): number {
  const runs = settings.experiments.reduce((sum, exp) => sum + runsOf(exp, settings.transports).length, 0);
  return settings.transports.length + runs + benchRuns;
}

export async function collectReport(settings: ReportSettings, progress: Progress): Promise<ReportData> {
  const seconds = settings.compareSeconds / settings.transports.length;
  const rows = [];
  const sessions: Session[] = [];
  for (const name of settings.transports) {
    await notInterrupted();
    progress.step(`comparing ${name}`, seconds);
    const transport = await loadTransport(name);
    const fresh = () => freshAddress(name, {});
    const { row, events, wire } = await compareTraced(transport, fresh, seconds, settings.capture);
    rows.push(row);
    sessions.push(wire ? { transport: name, events, wire } : { transport: name, events });
  }
  const comparison: Comparison = {
    date: new Date().toISOString(),
    machine: machine(),
    secondsPerTransport: seconds,
    rows,
  };
  const experiments = [];
  for (const experiment of settings.experiments) {
    const runs = await runExperiment(
      experiment,
      settings.transports,
      (name) => progress.step(`${experiment.name} on ${name}`, 0.5),
      settings.capture,
    );
    experiments.push({ experiment, runs });
  }
  let bench: BenchRun | undefined;
  if (settings.bench) {
    // The bench ends its own progress when it is done; here the bar is the whole report's.
    bench = await runBench(settings.bench, { step: progress.step, done: () => {} });
  }
  return {
    command: settings.command,
    date: comparison.date,
    machine: comparison.machine,
    comparison,
    sessions,
    experiments,
    ...(bench ? { bench } : {}),
  };
}
