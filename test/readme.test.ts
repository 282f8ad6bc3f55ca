// README's example runs cannot drift from what the tool prints: scripts/readme-examples.ts makes them
// from real runs, and this runs each one again and compares what must not change between runs —
// the notes under a ladder, the legend of inferred calls, and the set of steps each ladder draws —
// with numbers, ports, fds and temp names blurred, since those differ from run to run.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { playground } from "./helpers/cli.js";
import { requireTool } from "./helpers/peers.js";

const README = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const BLOCK = /^( *)```console\n\1\$ (npx playground|npm start)(.*)\n([\s\S]*?)^\1```$/gm;

const examples = [...README.matchAll(BLOCK)].map((m) => ({
  command: `${m[2]}${m[3]}`,
  args: [...(m[2] === "npm start" ? ["compare"] : []), ...(m[3] ?? "").trim().split(/\s+/).filter(Boolean)],
  output: (m[4] ?? "").replace(new RegExp(`^${m[1]}`, "gm"), ""),
}));

/** What may differ between two runs of one command, made the same. */
function blur(text: string): string {
  return text
    .replace(/playground-[A-Za-z0-9]+/g, "playground-X")
    .replace(/[0-9a-f]{8}-[0-9a-f-]+/g, "ID")
    .replace(/\d+/g, "#")
    .replace(/[ \t]+/g, " ")
    .trim();
}

/** The output up to a "Measured … on <machine>" line, blurred, a line each. */
function table(output: string): string[] {
  return blur(output.split(/^Measured /m)[0] ?? "").split("\n");
}

/** Notes ("• …", wrapped over lines indented by four) and the inferred calls' legend, one line each. */
function claims(output: string): string[] {
  const said: string[] = [];
  let note: string | undefined;
  for (const line of output.split("\n")) {
    if (/^\s+• /.test(line)) {
      if (note) said.push(note);
      note = line.trim();
    } else if (note && /^ {4}\S/.test(line)) {
      note += ` ${line.trim()}`;
    } else {
      if (note) said.push(note);
      note = undefined;
      if (/^ {2}\S.* — (before|inside) /.test(line)) said.push(line.trim());
    }
  }
  if (note) said.push(note);
  return [...new Set(said.map(blur))].sort();
}

/** The steps a ladder draws, without their times: "client recv(# B)*", "server message ended: #st recv()". */
function steps(output: string): string[] {
  const rows = output.split("\n").filter((l) => /^\s+\d+\.\d{3} /.test(l));
  return [...new Set(rows.map((row) => blur(row.replace(/^\s+\d+\.\d{3} /, ""))))].sort();
}

describe("README's examples are what the tool prints now", () => {
  it("has examples to check", () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples)("$command", async ({ args, output }) => {
    if (args.includes("--trace-syscalls")) requireTool("strace");
    // The temp dir's name is part of what a ladder clips: the one README's runs had.
    const run = await playground(args, 60_000, { TMPDIR: "/tmp" });
    const now = `${run.stdout}${run.stderr}`;
    expect(claims(now), "the notes and the legend (scripts/readme-examples.ts makes them again)").toEqual(
      claims(output),
    );
    expect(steps(now), "the steps the ladder draws").toEqual(steps(output));
    // Without a ladder (lists, tables, one error line) the whole output is the same but for numbers,
    // up to the line that names the machine it was measured on (its CPU and kernel, wrapped).
    if (steps(output).length === 0) expect(table(now)).toEqual(table(output));
  });
});
