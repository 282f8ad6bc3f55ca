// `--help` of every command, as a terminal of each width shows it. The width is set with COLUMNS, which
// the CLI reads before the terminal's own width (help-layout.ts); a test's stdout is no terminal.
// The reference is the same help at 1000 columns, where nothing wraps: a word cut in two at a narrower
// width shows up as a piece of a word the reference does not have.
import { describe, expect, it } from "vitest";
import { playground } from "../helpers/cli.js";

const WIDTHS = [60, 80, 100, 200];

async function help(command: string[], columns: string): Promise<string> {
  const { code, stdout, stderr } = await playground([...command, "--help"], 20_000, { COLUMNS: columns });
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return stdout;
}

/** The lines of a section ("Examples:", "Commands:") up to the blank line after it. */
function section(text: string, title: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.indexOf("", start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Example commands from the unwrapped help: the first column, cut at the gap before the description. */
function exampleCommands(unwrapped: string): string[] {
  return section(unwrapped, "Examples:").map((line) => line.trim().split(/ {2,}/)[0] as string);
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);

// Every command yargs lists, plus the top level: a new command is covered without touching this file.
const top = await help([], "1000");
const commands = [
  [],
  ...section(top, "Commands:").flatMap((line) => {
    const name = /^ {2}playground ([a-z]+)/.exec(line)?.[1];
    return name ? [[name]] : [];
  }),
];

it("walks the top level and all eight commands", () => expect(commands).toHaveLength(9));

describe.each(commands.map((command) => ({ command, name: command[0] ?? "(no command)" })))(
  "playground $name --help",
  ({ command }) => {
    it.each(WIDTHS)(
      "at %i columns: no word cut, no line too wide, every example command whole",
      async (width) => {
        const unwrapped = await help(command, "1000");
        const text = await help(command, String(width));
        const known = new Set(words(unwrapped));
        const examples = exampleCommands(unwrapped);
        expect(words(text).filter((word) => !known.has(word))).toEqual([]);
        for (const line of text.split("\n")) {
          if (line.length <= width) continue;
          // Only an example command, or a single word longer than the line, may be wider.
          const whole = examples.includes(line.trim()) || words(line).length === 1;
          expect(whole, `${line.length} > ${width}: ${line}`).toBe(true);
        }
        const lines = text.split("\n").map((line) => line.trim());
        for (const example of examples) expect(lines.some((line) => line.startsWith(example))).toBe(true);
        expect(words(text).length).toBe(words(unwrapped).length);
      },
    );
  },
);

describe.each(commands.map((command) => ({ command, name: command[0] ?? "(no command)" })))(
  "playground $name --help advertises only flags it takes",
  ({ command }) => {
    it("every --flag the text names is one of its options", async () => {
      const text = await help(command, "1000");
      const own = new Set(
        text
          .split("\n")
          .flatMap((line) => /^ +(?:-\w, )?(--[a-z-]+)(?:, (--[a-z-]+))?/.exec(line)?.slice(1) ?? []),
      );
      const named = new Set(text.match(/--[a-z][a-z-]*/g) ?? []);
      expect([...named].filter((flag) => !own.has(flag))).toEqual([]);
    });
  },
);

describe("the width", () => {
  it("is 100 when stdout is no terminal and COLUMNS is not set", async () => {
    expect(await help(["server"], "")).toBe(await help(["server"], "100"));
    expect(await help(["server"], "")).not.toBe(await help(["server"], "80"));
  });

  it("an example longer than the width stays on one line", async () => {
    const text = await help(["server"], "60");
    expect(text.split("\n")).toContain(
      "  playground server --path /tmp/shared.sock --transport unix-stream --mode 666",
    );
  });
});
