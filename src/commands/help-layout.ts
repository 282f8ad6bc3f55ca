// `--help` laid out for the width of the reader's terminal. yargs' ESM build wraps with cliui's stand-in
// for wrap-ansi, which cuts every line at exactly the width, in the middle of words and of example
// commands that people copy. So yargs renders unwrapped (.wrap(null)) and this module wraps: at spaces,
// continuation lines under the column they belong to, and an example command never wrapped at all.
import { wrap } from "../views/wrap.js";

/** When stdout is no terminal (a pipe, a test, a pager) and COLUMNS is not set. */
export const DEFAULT_HELP_WIDTH = 100;

/**
 * COLUMNS first, as POSIX asks of utilities (it is also how a test or a script picks a width), then the
 * terminal's own width, then 100.
 */
export function helpWidth(env: NodeJS.ProcessEnv = process.env, columns = process.stdout.columns): number {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return columns || DEFAULT_HELP_WIDTH;
}

/** yargs' unwrapped help, wrapped to `width`. */
export function layoutHelp(text: string, width: number): string {
  const out: string[] = [];
  let examples: string[] | undefined;
  for (const line of text.split("\n")) {
    if (examples !== undefined) {
      if (line.trim() !== "") {
        examples.push(line);
        continue;
      }
      out.push(...layoutExamples(examples, width));
      examples = undefined;
    }
    if (line === "Examples:") examples = [];
    out.push(line.length <= width ? line : wrapRow(line, width));
  }
  if (examples !== undefined) out.push(...layoutExamples(examples, width));
  return out.join("\n");
}

/** One line wrapped at spaces, and not inside yargs' tags such as `[default: 60]` where they fit. */
function wrapRow(line: string, width: number): string {
  const column = columnOf(line, width);
  const kept = line.replace(/\[[^\]]*\]/g, (tag) =>
    tag.length <= width - column ? tag.replaceAll(" ", NO_BREAK) : tag,
  );
  return wrap(kept, width, " ".repeat(column))
    .split("\n")
    .map((part) => part.trimEnd().replaceAll(NO_BREAK, " "))
    .join("\n");
}

/** Stands in for the spaces of a tag while wrapping; wrap() breaks only at " ". */
const NO_BREAK = "\u00a0";

/**
 * Where a wrapped line continues: under the second column of a table row ("  --port  inet: port",
 * "  recv      the first recv()") while that leaves room for a few words, else under the line's indent.
 */
function columnOf(line: string, width: number): number {
  const cell = /^ *\S+(?: \S+)* {2,}(?=\S)/.exec(line)?.[0].length ?? 0;
  return cell > 0 && width - cell >= MIN_COLUMN_WIDTH ? cell : (/^ */.exec(line)?.[0].length ?? 0);
}

const MIN_COLUMN_WIDTH = 24;

/**
 * Examples as two columns when every one fits, else each command on a line of its own with its
 * description under it: a command is copied whole, so it is never wrapped, however long.
 */
function layoutExamples(rows: string[], width: number): string[] {
  const examples = rows.map((row) => {
    const [, command = row.trim(), description = ""] = /^ *(\S+(?: \S+)*)(?: {2,}(.*))?$/.exec(row) ?? [];
    return { command, description };
  });
  const column = Math.max(...examples.map((e) => e.command.length)) + 4;
  if (examples.every((e) => column + e.description.length <= width)) {
    return examples.map((e) => `  ${e.command.padEnd(column - 2)}${e.description}`.trimEnd());
  }
  return examples.flatMap((e) => [
    `  ${e.command}`,
    ...(e.description ? [wrap(`    ${e.description}`, width, "    ")] : []),
  ]);
}
