// `playground bench`, run briefly as a user would: well-formed JSON with plausible numbers for every
// transport and mode, one-line usage errors, and nothing left behind — no server process, no socket
// file. No timing assertions: the speed targets belong to scripts/bench-floor.ts.
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchRun } from "../../src/bench/run.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import { type Finished, playground } from "../helpers/cli.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

/** Processes whose environment holds `entry`: the bench's servers inherit its TMPDIR. */
function processesWith(entry: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(entry);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

describe("playground bench --json, every transport and mode", () => {
  // A TMPDIR of its own: every socket file and temp dir the bench or its servers make lands here.
  let tmp: string;
  let finished: Finished;
  let run: BenchRun;

  beforeAll(async () => {
    tmp = tempDir();
    finished = await playground(["bench", "--duration", "0.2", "--warmup", "0", "--json"], 60_000, {
      TMPDIR: tmp,
    });
    run = JSON.parse(finished.stdout) as BenchRun;
  }, 70_000);
  afterAll(removeTempDirs);

  it("exits 0 with JSON only: no progress bar when not on a terminal", () => {
    expect(finished.stderr).toBe("");
    expect(finished.code).toBe(0);
  });

  it("records the machine, the date and the settings", () => {
    expect(Number.isNaN(Date.parse(run.date))).toBe(false);
    expect(run.machine.cores).toBeGreaterThan(0);
    expect(run.machine.cpu).not.toBe("");
    expect(run.machine.kernel).toMatch(/^Linux /);
    expect(run.machine.node).toBe(process.version);
    expect(run.settings).toMatchObject({ durationSeconds: 0.2, warmupSeconds: 0, concurrency: 32 });
    // classic (the lab's client, no half-close) runs where there is a connection to half-close.
    expect(run.rows.map((row) => `${row.transport} ${row.mode}`)).toEqual(
      TRANSPORT_NAMES.flatMap((name) =>
        ["pingpong", "throughput", "sessions", "classic"]
          .filter((mode) => mode !== "classic" || !["udp4", "udp6", "unix-dgram"].includes(name))
          .map((mode) => `${name} ${mode}`),
      ),
    );
  });

  it.each(TRANSPORT_NAMES)("%s: plausible numbers in every mode", (name) => {
    for (const row of run.rows.filter((r) => r.transport === name)) {
      expect(row.error, `${name} ${row.mode}`).toBeUndefined();
      expect(row.serverCpuPercent).toBeGreaterThanOrEqual(0);
      expect(row.serverRssKiB).toBeGreaterThan(0);
      const result = row.result;
      if (!result) throw new Error(`${name} ${row.mode}: no result`);
      expect(result.seconds).toBeGreaterThan(0);
      if (result.mode === "pingpong" || result.mode === "sessions") {
        const latency = result.latencyUs;
        expect(latency.count).toBeGreaterThan(0);
        expect(latency.p50Us).toBeGreaterThan(0);
        expect(latency.p50Us).toBeLessThanOrEqual(latency.p90Us);
        expect(latency.p90Us).toBeLessThanOrEqual(latency.p99Us);
        expect(latency.p99Us).toBeLessThanOrEqual(latency.p999Us);
        expect(latency.p999Us).toBeLessThanOrEqual(latency.maxUs);
      }
      if (result.mode === "pingpong") {
        expect(result.roundTrips).toBe(result.latencyUs.count);
        expect(result.messagesPerSecond).toBeGreaterThan(0);
        expect(result.messageBytes).toBe(64);
      } else if (result.mode === "sessions" || result.mode === "classic") {
        expect(result.sessions).toBe(result.latencyUs.count);
        expect(result.sessionsPerSecond).toBeGreaterThan(0);
        expect(result.concurrency).toBe(32);
      } else {
        expect(result.bytesReceived).toBeGreaterThan(0);
        expect(result.bytesPerSecond).toBeGreaterThan(0);
        expect(result.bytesReceived).toBeLessThanOrEqual(result.bytesSent);
        if (result.datagrams) {
          const { sent, received, lost } = result.datagrams;
          expect(received).toBeGreaterThan(0);
          expect(lost).toBe(sent - received);
          expect(result.bytesSent).toBe(sent * result.messageBytes);
        } else {
          // A connection loses nothing: the sink got every byte written.
          expect(result.bytesReceived).toBe(result.bytesSent);
        }
      }
    }
  });

  it("leaves no server process and no socket file behind", () => {
    expect(processesWith(`TMPDIR=${tmp}`)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe("playground bench: the table, and bad flags", () => {
  it("prints a table of at most 100 columns", async () => {
    const { code, stdout, stderr } = await playground([
      "bench",
      "--transport",
      "unix-stream",
      "--mode",
      "pingpong",
      "--duration",
      "0.2",
      "--warmup",
      "0",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^unix-stream\s+pingpong\s+\S+ k? ?msg\/s/m);
    for (const line of stdout.split("\n")) expect([...line].length).toBeLessThanOrEqual(100);
  });

  it.each([
    [["--mode", "fast"], /--mode fast: use one of pingpong, throughput, sessions, classic, all/],
    [["--duration", "0"], /--duration 0: too small; give seconds, a number above 0 and at most 600/],
    [["--transport", "tcp9"], /unknown --transport 'tcp9'/],
    [["--concurrency", "0"], /--concurrency 0: too small; give clients, a whole number from 1 to 1000/],
    [
      ["--mode", "classic", "--transport", "udp4,unix-dgram"],
      /--mode classic: the lab's classic client needs a connection/,
    ],
    [
      ["--size", "100000", "--transport", "udp4"],
      /--size 100000: a datagram or seqpacket record holds at most/,
    ],
  ])("bench %j: one line, exit 2", async (args, message) => {
    const { code, stdout, stderr } = await playground(["bench", ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")[0]).toMatch(/^playground: /);
  });
});
