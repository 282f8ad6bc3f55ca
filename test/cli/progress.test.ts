// The commands that take more than a second show a progress bar on a terminal, on stderr, and print
// nothing extra when piped. The terminal is a real pseudo-terminal: util-linux `script` runs the
// built CLI on one and records what it wrote.
import { describe, expect, it } from "vitest";
import { CLI, playground, runProgram } from "../helpers/cli.js";
import { requireTool } from "../helpers/peers.js";

const LONG_COMMANDS: Record<string, { args: string[]; runs: number; result: RegExp }> = {
  compare: {
    args: ["compare", "--transports", "tcp4,unix-stream", "--duration", "0.2"],
    runs: 2,
    result: /transport\s+server calls/,
  },
  experiment: {
    args: ["experiment", "all", "--transport", "udp4"],
    runs: 14,
    result: /\d+ experiments, 14 runs:/,
  },
  bench: {
    args: ["bench", "--transport", "tcp4", "--mode", "pingpong", "--duration", "0.2", "--warmup", "0"],
    runs: 1,
    result: /tcp4\s+pingpong/,
  },
};

/** A command line for sh: every argument single-quoted. */
function shellLine(args: string[]): string {
  return args.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
}

describe.each(Object.keys(LONG_COMMANDS))("%s", (name) => {
  const command = LONG_COMMANDS[name] as (typeof LONG_COMMANDS)[string];

  it("piped: the results on stdout, nothing at all on stderr", async () => {
    const result = await playground(command.args, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(command.result);
    expect(result.stderr).toBe("");
  });

  it("on a terminal: a bar counting its runs, then cleared, the cursor shown again, then the results", async () => {
    requireTool("script");
    const line = shellLine([process.execPath, CLI, ...command.args]);
    const result = await runProgram("script", ["-qec", line, "/dev/null"], undefined, 60_000);
    expect(result.code, result.stdout).toBe(0);
    const shown = result.stdout;
    // A run drawn with its name (the bar redraws ten times a second: not every run is drawn).
    const bar = new RegExp(`run [1-9]\\d*/${command.runs}: \\S`);
    expect(shown).toMatch(bar);
    const cleared = shown.lastIndexOf("\x1b[?25h"); // cli-progress shows the cursor again as it stops
    expect(cleared).toBeGreaterThan(shown.search(bar));
    expect(shown.slice(cleared)).toMatch(command.result);
    expect(shown.slice(cleared)).not.toMatch(bar);
  });
});
