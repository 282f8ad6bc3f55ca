// Every experiment, in the order `experiment list` shows them.
import { bindInUse } from "./bind-in-use.js";
import { connectNoListener } from "./connect-no-listener.js";
import type { Experiment } from "./experiment.js";
import { messageBoundaries } from "./message-boundaries.js";

export const EXPERIMENTS: readonly Experiment[] = [connectNoListener, bindInUse, messageBoundaries];

export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}
