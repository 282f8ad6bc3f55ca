// `playground experiment` as a user runs it: the list, one experiment, and bad names.
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { CLI, finished, playground } from "../helpers/cli.js";

describe("playground experiment", () => {
  it("list names at least 24 experiments, each with its claim and where it applies", async () => {
    const { code, stdout } = await playground(["experiment", "list", "--json"]);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as {
      name: string;
      claim: { page: string; text: string };
      transports: string[];
    }[];
    expect(list.length).toBeGreaterThanOrEqual(24);
    expect(new Set(list.map((e) => e.name)).size).toBe(list.length);
    for (const e of list) {
      expect(e.claim.page).toMatch(/^[a-z0-9_]+\(\d\)$|^RFC \d+/);
      expect(e.claim.text.length).toBeGreaterThan(10);
      expect(e.transports.length).toBeGreaterThan(0);
    }
    // Every call the lab lists is the subject of at least one claim.
    for (const page of [
      "socket(2)|socket(7)",
      "bind(2)",
      "listen(2)",
      "accept(2)",
      "connect(2)",
      "send(2)",
      "recv(2)",
    ]) {
      expect(list.some((e) => new RegExp(`^(${page.replace(/[()]/g, "\\$&")})$`).test(e.claim.page))).toBe(
        true,
      );
    }
  });

  it.each([
    ["connect-no-listener", { tcp4: "ECONNREFUSED", tcp6: "ECONNREFUSED" }],
    ["bind-addrinuse", { tcp4: "EADDRINUSE", "unix-dgram": "EADDRINUSE", "unix-seqpacket": "EADDRINUSE" }],
    [
      "message-boundaries",
      { tcp4: "merged", "unix-stream": "merged", udp6: "kept", "unix-seqpacket": "kept" },
    ],
  ])("%s: observed on real sockets, verdict per transport", async (name, wanted) => {
    const transports = Object.keys(wanted).join(",");
    const { code, stdout } = await playground(["experiment", name, "--transport", transports, "--json"]);
    expect(code).toBe(0);
    const run = JSON.parse(stdout) as { results: { transport: string; verdict: string; observed: string }[] };
    for (const [transport, observed] of Object.entries(wanted)) {
      expect(run.results.find((r) => r.transport === transport)).toMatchObject({
        verdict: "matches",
        observed,
      });
    }
  });

  it("one experiment prints the claim, a ladder, the verdict table and the explanation", async () => {
    const { code, stdout } = await playground(["experiment", "connect-no-listener", "--transport", "tcp4"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^connect\(2\), ERRORS: “ECONNREFUSED/m);
    expect(stdout).toMatch(/connect\(\) ✗ ECONNREFUSED/);
    expect(stdout).toMatch(/^tcp4\s+ECONNREFUSED\s+ECONNREFUSED\s+matches$/m);
    expect(stdout).toMatch(/Nothing was listening/);
  });

  it("an unknown experiment is a usage error naming the ones that exist", async () => {
    const { code, stderr } = await playground(["experiment", "no-such-thing"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^playground: no experiment 'no-such-thing': use list, all, or one of sockbuf-doubling, bind-addrinuse/m,
    );
  });

  it("abstract-name matches wherever it is run from, the temp dir too (its own dir is no file of the name)", async () => {
    const child = spawn(process.execPath, [CLI, "experiment", "abstract-name", "--json"], { cwd: tmpdir() });
    const { code, stdout } = await finished(child, 20_000);
    expect(code).toBe(0);
    const run = JSON.parse(stdout) as { results: { verdict: string; observed: string }[] };
    const ran = run.results.filter((r) => r.verdict !== "not applicable");
    expect(ran.length).toBeGreaterThan(0);
    for (const result of ran) expect(result).toMatchObject({ verdict: "matches" });
  });
});
