// The example runs in README.md and docs/*.md, made again from real runs so that they cannot drift
// from what the tool prints: every ```console block that starts with `$ npx playground …` or
// `$ npm start` (and every ```mermaid block that starts with `%% $ npx playground …`) gets the output
// of that command, run now on this machine (dist/ must be built).
//
//   npm run build && npx tsx scripts/readme-examples.ts [PAGE.md …]   (no pages: all of them)
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { argsOf, EXAMPLE, type Example, examplePages } from "./readme-blocks.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const pages = process.argv.length > 2 ? process.argv.slice(2) : examplePages();

function output(args: string[]): string {
  // stderr after stdout: the examples that fail print only one line, on stderr.
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
  return `${run.stdout}${run.stderr}`.replace(/\n+$/, "");
}

for (const page of pages) {
  const text = readFileSync(page, "utf8");
  let count = 0;
  const updated = text.replace(EXAMPLE, (...match) => {
    const { indent, lang, prompt, tool, rest } = match.at(-1) as Example;
    count++;
    process.stderr.write(`readme-examples: $ ${tool}${rest}\n`);
    const lines = output(argsOf(tool, rest))
      .split("\n")
      .map((line) => (line === "" ? "" : `${indent}${line}`));
    return [`${indent}\`\`\`${lang}`, `${indent}${prompt}${tool}${rest}`, ...lines, `${indent}\`\`\``].join(
      "\n",
    );
  });
  writeFileSync(page, updated);
  process.stderr.write(`readme-examples: ${count} examples run again in ${page}\n`);
}
