// What people look for in any command-line tool: -V, a completion script, and errors that point at the
// help of the command they typed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { experimentNames } from "../../src/commands/completion.js";
import { EXPERIMENTS } from "../../src/experiments/index.js";
import { TRANSPORT_NAMES } from "../../src/transports/facts.js";
import { playground, runProgram } from "../helpers/cli.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));

describe("conventions", () => {
  it.each(["-V", "--version"])("%s prints the version and exits 0", async (flag) => {
    expect(await playground([flag])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("completion prints a bash script that completes commands and flags", async () => {
    const script = await playground(["completion"]);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain(
      "complete -o bashdefault -o default -F _playground_yargs_completions playground",
    );
    expect((await runProgram("bash", ["-n"], script.stdout)).code).toBe(0);
    // What the script asks for when Tab is pressed after `playground server --max`:
    const flags = await playground(["--get-yargs-completions", "server", "--max"]);
    expect(flags.stdout.split("\n")).toEqual(expect.arrayContaining(["--max-connections", "--max-peers"]));
    const commands = await playground(["--get-yargs-completions", "se"]);
    expect(commands.stdout.split("\n")).toEqual(expect.arrayContaining(["server", "experiment", "bench"]));
  });

  it.each([
    ["bash", "complete -o bashdefault -o default -F _playground_yargs_completions playground"],
    ["zsh", "#compdef playground"],
  ])("completion %s prints that shell's script", async (shell, line) => {
    const script = await playground(["completion", shell], 20_000, { SHELL: "/bin/sh" });
    expect(script.code).toBe(0);
    expect(script.stdout.split("\n")).toContain(line);
    expect(await playground(["completion", "fish"])).toMatchObject({
      code: 2,
      stderr: "playground: shell fish: use one of bash, zsh\n(see playground completion --help)\n",
    });
  });

  // What the script asks for when Tab is pressed after the words before the last; the last is typed.
  it.each([
    [["--transport", ""], TRANSPORT_NAMES],
    [
      ["server", "--family", ""],
      ["inet", "inet6", "unix"],
    ],
    [
      ["client", "-t", "s"],
      ["stream", "seqpacket"],
    ],
    [
      ["compare", "--transport", "tcp4,u"],
      ["tcp4,udp4", "tcp4,udp6", "tcp4,unix-stream", "tcp4,unix-dgram", "tcp4,unix-seqpacket"],
    ],
    [["experiment", "connect-n"], ["connect-no-listener"]],
    [["report", "--experiments", "half-close,connect-n"], ["half-close,connect-no-listener"]],
    [
      ["experiment", ""],
      ["list", "all", ...EXPERIMENTS.map((e) => e.name).sort()],
    ],
    [
      ["completion", ""],
      ["bash", "zsh"],
    ],
  ])("Tab after %j offers the values", async (words, values) => {
    const { code, stdout } = await playground(["--get-yargs-completions", ...words]);
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toEqual(values);
  });

  it("experiment names for Tab come from file names, socket-free, and match the experiments", () => {
    expect(experimentNames()).toEqual(EXPERIMENTS.map((e) => e.name).sort());
  });

  it.each([
    [["completion", "--foo"], "playground completion --help"],
    [["--bogus"], "playground --help"],
    [["run", "--bogus"], "playground run --help"],
    [["server", "--bogus"], "playground server --help"],
    [["client", "--format", "nope"], "playground client --help"],
    [["bench", "--mode", "classic", "--transport", "udp4"], "playground bench --help"],
    [["experiment", "no-such-thing"], "playground experiment --help"],
  ])("a usage error in %j points at %s", async (args, help) => {
    const { code, stderr } = await playground(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^playground: .*\\n\\(see ${help}\\)\\n$`));
  });
});
