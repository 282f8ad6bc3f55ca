// README's example runs, made again from real runs so that they cannot drift from what the tool
// prints: every ```console block that starts with `$ npx playground …` or `$ npm start` gets the
// output of that command, run now on this machine (dist/ must be built).
//
//   npm run build && npx tsx scripts/readme-examples.ts [README.md]
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const readme = process.argv[2] ?? fileURLToPath(new URL("../README.md", import.meta.url));

// A block, its indent kept: ```console, the command line, the old output, the closing fence.
const BLOCK = /^( *)```console\n\1\$ (npx playground|npm start)(.*)\n[\s\S]*?^\1```$/gm;

/** The command's arguments as a shell would split them (README's commands use plain words only). */
function argsOf(tool: string, rest: string): string[] {
  const words = rest.trim() === "" ? [] : rest.trim().split(/\s+/);
  return tool === "npm start" ? ["compare", ...words] : words;
}

function output(args: string[]): string {
  // stderr after stdout: the examples that fail print only one line, on stderr.
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
  return `${run.stdout}${run.stderr}`.replace(/\n+$/, "");
}

const text = readFileSync(readme, "utf8");
let count = 0;
const updated = text.replace(BLOCK, (_block, indent: string, tool: string, rest: string) => {
  count++;
  process.stderr.write(`readme-examples: $ ${tool}${rest}\n`);
  const lines = output(argsOf(tool, rest))
    .split("\n")
    .map((line) => (line === "" ? "" : `${indent}${line}`));
  return [`${indent}\`\`\`console`, `${indent}$ ${tool}${rest}`, ...lines, `${indent}\`\`\``].join("\n");
});
writeFileSync(readme, updated);
process.stderr.write(`readme-examples: ${count} examples run again in ${readme}\n`);
