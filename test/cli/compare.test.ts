// `playground compare` on real sockets: the table's structure, and the boundary column as observed.
import { beforeAll, describe, expect, it } from "vitest";
import type { Comparison } from "../../src/compare/compare.js";
import { TRANSPORTS } from "../../src/transports/facts.js";
import { playground } from "../helpers/cli.js";

let comparison: Comparison;
beforeAll(async () => {
  const { code, stdout, stderr } = await playground(["compare", "--json", "--duration", "0.7"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  comparison = JSON.parse(stdout);
});

describe("compare --json", () => {
  it("has one row per transport, in the table's order, with the machine it ran on", () => {
    expect(comparison.rows.map((r) => r.transport)).toEqual(TRANSPORTS.map((t) => t.name));
    expect(comparison.machine.cores).toBeGreaterThan(0);
    expect(comparison.machine.node).toBe(process.version);
    expect(Date.parse(comparison.date)).not.toBeNaN();
  });

  it.each(TRANSPORTS)("$name: calls, semantics and measured numbers", ({ name, type }) => {
    const row = comparison.rows.find((r) => r.transport === name);
    if (!row) throw new Error(`no row for ${name}`);
    const server = row.calls.server.map((c) => c.replace("*", ""));
    if (type === "dgram") {
      expect(server).toEqual(["socket", "bind"]);
      expect(row.connectionOriented).toBe(false);
    } else {
      expect(server).toEqual(["socket", "bind", "listen", "accept"]);
      expect(row.calls.client.map((c) => c.replace("*", ""))).toEqual(["socket", "connect"]);
    }
    expect(row.reliable).toBe(name !== "udp4" && name !== "udp6");
    expect(row.address.form).toBe(name.startsWith("unix") ? "path" : "ip:port");
    const { measured } = row;
    expect(measured.sessions).toBeGreaterThanOrEqual(5);
    expect(measured.sessionP50Ms).toBeGreaterThan(0);
    expect(measured.sessionP99Ms).toBeGreaterThanOrEqual(measured.sessionP50Ms);
    expect(measured.rttP50Us).toBeGreaterThan(0);
    if (type === "stream") expect(measured.throughputMBps).toBeGreaterThan(0);
    else expect(measured.throughputMBps).toBeUndefined();
  });

  it.each(TRANSPORTS)("$name: the message sent in two send()s, as the server read it", ({ name, type }) => {
    const { kept, observed } = comparison.rows.find((r) => r.transport === name)?.boundaries ?? {};
    const total = (sizes: number[] | undefined) => (sizes ?? []).reduce((a, b) => a + b, 0);
    expect(observed?.sends).toHaveLength(2);
    if (type === "stream") {
      // No boundaries: every byte arrives, in however many reads the kernel chose (merged or split).
      expect(kept).toBe(false);
      expect(total(observed?.reads)).toBe(total(observed?.sends));
    } else {
      expect(kept).toBe(true);
      expect(observed?.reads).toEqual(observed?.sends);
    }
  });
});

describe("compare's text and Markdown tables", () => {
  it("prints two tables of seven rows in 100 columns", async () => {
    const { code, stdout } = await playground(["compare", "--duration", "0.5"]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(100);
    for (const name of TRANSPORTS.map((t) => t.name)) {
      expect(lines.filter((l) => l.startsWith(`${name} `))).toHaveLength(2);
    }
    expect(stdout).toMatch(/^transport\s+server calls\s+client calls\s+address\s+client bind\(\)$/m);
    expect(stdout).toMatch(/^transport\s+conn\s+reliable\s+boundaries\s+RTTs.*MB\/s$/m);
    expect(stdout).toMatch(/Measured \S+ on \d+ cores/);
  });

  it("--format markdown: a header, a rule and a row per chosen transport", async () => {
    const { code, stdout } = await playground([
      "compare",
      "--transports",
      "udp6,unix-seqpacket",
      "--format",
      "markdown",
      "--duration",
      "0.2",
    ]);
    expect(code).toBe(0);
    const rows = stdout.split("\n").filter((l) => l.startsWith("|"));
    expect(rows).toHaveLength(4);
    const pipes = (l: string) => l.replace(/\\\|/g, "").split("|").length;
    expect(new Set(rows.map(pipes)).size).toBe(1);
    expect(rows[2]).toMatch(/^\| udp6 \|/);
    expect(rows[3]).toMatch(/^\| unix-seqpacket \|/);
  });

  it("bad flags: one line, exit 2", async () => {
    const bad = await playground(["compare", "--transports", "tcp4,sctp"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^playground: unknown --transport 'sctp'/);
  });
});
