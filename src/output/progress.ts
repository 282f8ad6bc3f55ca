// A progress bar on stderr while a long command runs (bench, compare, experiment), from cli-progress,
// and only on a terminal: piped or redirected, a command prints nothing but its results.
import { Presets, SingleBar } from "cli-progress";
import { atExit } from "../leftovers.js";

export interface Progress {
  /** A run starts: what it is, and how many seconds it is planned to take. */
  step(label: string, seconds: number): void;
  done(): void;
}

const silent: Progress = { step: () => {}, done: () => {} };

/** A bar of `steps` runs; silent when stderr is no terminal, when `show` is false, or with nothing to run. */
export function progressBar(steps: number, show = true): Progress {
  if (!show || steps === 0 || !process.stderr.isTTY) return silent;
  const bar = new SingleBar(
    {
      format: "{bar} {percentage}% | run {run}/{runs}: {label}",
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  // Each run is SCALE units, so that the time spent inside a run moves the bar too.
  const SCALE = 100;
  bar.start(steps * SCALE, 0, { run: 0, runs: steps, label: "" });
  let done = -1;
  let started = 0;
  let planned = 1;
  let label = "";
  const ticker = setInterval(() => {
    const fraction = Math.min(0.99, (Date.now() - started) / 1000 / planned);
    bar.update(Math.round((done + fraction) * SCALE), { run: done + 1, label });
  }, 200);
  ticker.unref();
  // Stopped however the command ends (Ctrl-C too): the bar cleared, the cursor shown again.
  const stop = atExit(() => {
    clearInterval(ticker);
    bar.stop();
  });
  return {
    step(next, seconds) {
      done++;
      started = Date.now();
      planned = Math.max(seconds, 0.1);
      label = next;
      bar.update(done * SCALE, { run: done + 1, label });
    },
    done: stop,
  };
}
