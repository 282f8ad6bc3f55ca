// Lines that are not what the user asked for, warnings and notes, go to stderr after the tool's name,
// as errors do: stdout holds only the results (a ladder, the lab's lines, JSON), to pipe or save whole.

import { type LogLevel, shows } from "../output/levels.js";
import { wrap } from "../views/wrap.js";
import { helpWidth } from "./help-layout.js";

/** One line: a warning is read at a glance, and grepped for. */
export function warn(text: string): void {
  process.stderr.write(`playground: warning: ${text}\n`);
}

/**
 * A note may run long (the abstract-name one is ~420 characters): wrapped at spaces to the terminal
 * (100 columns when stderr is none), continued indented. A --log-level above info hides it, as it did
 * the other info lines.
 */
export function note(text: string, level: LogLevel = "info"): void {
  if (!shows(level, "info")) return;
  process.stderr.write(
    `${wrap(`playground: note: ${text}`, helpWidth(process.env, process.stderr.columns), "  ")}\n`,
  );
}
