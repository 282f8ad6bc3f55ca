// README's and docs/'s example runs cannot drift from what the tool prints: scripts/readme-examples.ts
// makes them from real runs, and this runs each one again and compares what must not change between
// runs — the notes under a ladder, the legend of inferred calls, and the set of steps each ladder
// draws — with numbers, ports, fds and temp names blurred, since those differ from run to run; a
// Mermaid example must also parse, as GitHub draws it. It also checks what a newcomer follows from
// README: the quick start, and every link between the pages.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import mermaid from "mermaid";
import { describe, expect, it } from "vitest";
import { argsOf, EXAMPLE, type Example, examplePages } from "../scripts/readme-blocks.js";
import { playground } from "./helpers/cli.js";
import { requireTool } from "./helpers/peers.js";

const PAGES = examplePages().map((path) => ({ path, text: readFileSync(path, "utf8") }));
const README = PAGES[0]?.text ?? "";

const examples = PAGES.flatMap(({ path, text }) =>
  [...text.matchAll(EXAMPLE)].map((m) => {
    const { indent, lang, prompt, tool, rest, output } = m.groups as unknown as Example;
    return {
      command: `${basename(path)}: ${tool}${rest}`,
      args: argsOf(tool, rest),
      output: output.replace(new RegExp(`^${indent}`, "gm"), ""),
      // A Mermaid example is drawn by GitHub: the whole block, its command-line comment included.
      mermaid: lang === "mermaid" ? `${prompt}${tool}${rest}\n${output}` : undefined,
    };
  }),
);

/** What may differ between two runs of one command, made the same. */
function blur(text: string): string {
  return (
    text
      .replace(/playground-[A-Za-z0-9]+/g, "playground-X")
      .replace(/[0-9a-f]{8}-[0-9a-f-]+/g, "ID")
      .replace(/\d+/g, "#")
      // An arrow is as long as the numbers it carries (a packet's sequence numbers start at random).
      .replace(/─+/g, "─")
      .replace(/[ \t]+/g, " ")
      .trim()
  );
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

describe("README's and docs/'s examples are what the tool prints now", () => {
  it("has examples to check, on every page", () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples)("$command", async ({ args, output, mermaid: diagram }) => {
    if (diagram) await expect(mermaid.parse(diagram)).resolves.toMatchObject({ diagramType: "sequence" });
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

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors a page's headings make (outside code blocks). */
function anchors(text: string): Set<string> {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, "");
  return new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? "")));
}

describe("what a newcomer follows from README", () => {
  it("the quick start is the two commands from a fresh clone, and nothing else", () => {
    const section = README.split(/^## /m).find((s) => s.startsWith("Quick start\n")) ?? "";
    const blocks = [...section.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
    expect(blocks).toHaveLength(1);
    const commands = (blocks[0] ?? "")
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter(Boolean);
    expect(commands).toEqual(["npm ci && npm start", "npm ci && npm test"]);
  });

  it.each(PAGES.map(({ path, text }) => ({ page: basename(path), path, text })))(
    "$page: every link to a page or heading of this repository leads somewhere",
    ({ path, text }) => {
      const prose = text.replace(/^ *```[\s\S]*?^ *```$/gm, "");
      for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split("#");
        const linked = file ? join(dirname(path), file) : path;
        expect(existsSync(linked), `${target} in ${basename(path)}`).toBe(true);
        if (anchor && linked.endsWith(".md"))
          expect([...anchors(readFileSync(linked, "utf8"))], `${target} in ${basename(path)}`).toContain(
            anchor,
          );
      }
    },
  );

  it("README links to every page in docs/", () => {
    const root = dirname(PAGES[0]?.path ?? "");
    for (const { path } of PAGES.slice(1)) expect(README).toContain(`](${relative(root, path)}`);
  });
});
