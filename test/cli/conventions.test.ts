// What people look for in any command-line tool: -V, a completion script, and errors that point at the
// help of the command they typed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
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
