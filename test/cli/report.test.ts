// `playground report` as a user runs it: the file written whole where --out says, one line saying so,
// text from the command line escaped in the page; a bad --out or --experiments refused in one line
// (exit 2) before anything runs; Ctrl-C leaving no file, whole or partial.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseExperiments } from "../../src/commands/report.js";
import { EXPERIMENTS } from "../../src/experiments/index.js";
import { openBrowser } from "../helpers/browser.js";
import { CLI, finished, playground } from "../helpers/cli.js";
import { playgroundAs, removeReadableCopy, requireRoot } from "../helpers/other-user.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(removeTempDirs);

describe("playground report --out FILE", () => {
  it("writes the page there, whole, says where, and shows the command line as text", async () => {
    const dir = tempDir();
    // A name a shell passes as it is: markup in it must reach the page as text, never as markup.
    const out = join(dir, "lab<b>&co's.html");
    const run = await playground(["report", "--transports", "tcp4,unix-dgram", "--out", out], 60_000);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Wrote .*&co's\.html \(\d+ KiB\): the runs took [\d.]+ s, the page [\d.]+ s\.\n$/,
    );
    expect(readdirSync(dir)).toEqual(["lab<b>&co's.html"]); // no temp file beside it
    const html = readFileSync(out, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toContain("<b>");

    const browser = await openBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`file://${encodeURI(out)}`);
      const command = page.locator("dl.made code");
      const quoted = `'${out.replace("'", "'\\''")}'`; // as a shell takes it back
      expect(await command.textContent()).toBe(
        `playground report --transports tcp4,unix-dgram --out ${quoted}`,
      );
      expect(await page.locator("dl.made b").count()).toBe(0);
      expect(await page.locator("table.comparison tbody tr").count()).toBe(2);
    } finally {
      await browser.close();
    }
  });
});

describe("refused in one line, exit 2, before anything runs", () => {
  it.each([
    [
      ["--out", "DIR"],
      /^playground: --out .* is a directory: give a file name, such as .*playground-report\.html$/,
    ],
    [
      ["--out", "DIR/no/such/report.html"],
      /^playground: --out .*: there is no directory .*no\/such: create it/,
    ],
    [["--out", ""], /^playground: --out '' is empty: give a file name/],
    [
      ["--experiments", "half-clsoe"],
      /^playground: --experiments: no experiment 'half-clsoe' — did you mean half-close\?/,
    ],
    [["--transports", "tcp5"], /tcp5/],
    [
      ["--experiments", "half-close,lab-loss"],
      /^playground: --experiments: lab-loss runs across two hosts, which a report does not build: run it with playground experiment lab-loss --hosts two \(as root\)$/,
    ],
  ])("report %j", async (args, message) => {
    const dir = tempDir();
    const run = await playground(["report", ...args.map((arg) => arg.replace("DIR", dir))]);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(message);
    expect(lines.slice(1)).toEqual(["(see playground report --help)"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a directory the user cannot write in (as nobody)", async () => {
    requireRoot();
    const dir = tempDir();
    chmodSync(dir, 0o755); // nobody may enter it, not write in it
    const out = join(dir, "report.html");
    const run = await playgroundAs(65534, ["report", "--out", out]).finally(removeReadableCopy);
    expect(run.stderr).toMatch(
      /^playground: --out .*report\.html: cannot write in .* \(EACCES\): give a path you can write\n/,
    );
    expect(run.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe("Ctrl-C", () => {
  it("stops the runs and leaves no file, whole or partial", async () => {
    const dir = tempDir();
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    const out = join(dir, "report.html");
    // The bench keeps it running for long enough to be interrupted among its runs.
    const child = spawn(process.execPath, [CLI, "report", "--bench", "--out", out], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TMPDIR: tmp },
    });
    const done = finished(child, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    child.kill("SIGINT");
    const run = await done;
    expect(run.stderr).toContain("interrupted by SIGINT");
    expect(run.code).toBe(130);
    expect(readdirSync(dir)).toEqual(["tmp"]);
    expect(readdirSync(tmp)).toEqual([]); // no socket file, no temp dir of a run
  });
});

describe("--experiments all", () => {
  it("is every experiment on one host: the lab's need --hosts two, which a report does not build", () => {
    const all = parseExperiments("all").map((exp) => exp.name);
    expect(all).toEqual(EXPERIMENTS.filter((exp) => exp.hosts !== "two").map((exp) => exp.name));
    expect(all).toContain("half-close");
    expect(all).not.toContain("lab-loss");
  });
});
