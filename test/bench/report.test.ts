// The bench's text report fits in 100 columns whatever the machine is called and whatever was measured:
// a CI machine with a longer CPU name than the one the bench was written on must not fail the suite.
// No sockets here: the report is a function of a BenchRun, and the runs are generated.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderBenchText } from "../../src/bench/report.js";
import type { BenchRow, BenchRun } from "../../src/bench/run.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";

const width = (text: string) => Math.max(...text.split("\n").map((line) => [...line].length));

/** A name as machines write them: words, and sometimes one very long word with no space in it. */
const name = fc.oneof(
  fc
    .array(fc.stringMatching(/^[A-Za-z0-9()@.-]{1,30}$/), { minLength: 1, maxLength: 12 })
    .map((w) => w.join(" ")),
  fc.stringMatching(/^[A-Za-z0-9-]{90,200}$/),
);

const latency = fc
  .array(fc.double({ min: 0.1, max: 1e9, noNaN: true }), { minLength: 5, maxLength: 5 })
  .map((values) => {
    const [p50Us, p90Us, p99Us, p999Us, maxUs] = values.sort((a, b) => a - b) as number[];
    return { count: 1000, p50Us, p90Us, p99Us, p999Us, maxUs, meanUs: p50Us, curve: [] } as const;
  });

const row: fc.Arbitrary<BenchRow> = fc.oneof(
  fc.record({
    transport: fc.constantFrom(...TRANSPORT_NAMES),
    mode: fc.constant("pingpong" as const),
    server: fc.constant("bench-server echo"),
    serverCpuPercent: fc.integer({ min: 0, max: 10_000 }),
    result: fc.record({
      mode: fc.constant("pingpong" as const),
      messageBytes: fc.constant(64),
      seconds: fc.constant(1),
      roundTrips: fc.nat(),
      messagesPerSecond: fc.double({ min: 0, max: 1e12, noNaN: true }),
      lost: fc.nat(),
      latencyUs: latency,
    }),
  }),
  fc.record({
    transport: fc.constantFrom(...TRANSPORT_NAMES),
    mode: fc.constantFrom("sessions" as const, "classic" as const),
    server: fc.constant("playground server"),
    serverCpuPercent: fc.integer({ min: 0, max: 10_000 }),
    result: fc.record({
      mode: fc.constantFrom("sessions" as const, "classic" as const),
      concurrency: fc.integer({ min: 1, max: 1000 }),
      seconds: fc.constant(1),
      sessions: fc.nat(),
      sessionsPerSecond: fc.double({ min: 0, max: 1e12, noNaN: true }),
      errors: fc.nat(),
      firstError: name,
      latencyUs: latency,
    }),
  }),
  fc.record({
    transport: fc.constantFrom(...TRANSPORT_NAMES),
    mode: fc.constant("throughput" as const),
    server: fc.constant("bench-server sink"),
    result: fc.record({
      mode: fc.constant("throughput" as const),
      messageBytes: fc.integer({ min: 16, max: 16 * 1024 * 1024 }),
      seconds: fc.constant(1),
      bytesSent: fc.nat(),
      bytesReceived: fc.nat(),
      bytesPerSecond: fc.double({ min: 0, max: 1e15, noNaN: true }),
    }),
  }),
  fc.record({
    transport: fc.constantFrom(...TRANSPORT_NAMES),
    mode: fc.constantFrom("pingpong" as const, "sessions" as const),
    server: fc.constant("playground server"),
    error: name,
  }),
) as fc.Arbitrary<BenchRow>;

const run: fc.Arbitrary<BenchRun> = fc.record({
  date: fc.constant("2026-12-01T16:00:00.000Z"),
  machine: fc.record({ cores: fc.integer({ min: 1, max: 512 }), cpu: name, kernel: name, node: name }),
  settings: fc.record({
    transports: fc.constant([...TRANSPORT_NAMES]),
    modes: fc.constant(["pingpong", "throughput", "sessions", "classic"] as BenchRun["settings"]["modes"]),
    durationSeconds: fc.double({ min: 0.01, max: 600, noNaN: true }),
    warmupSeconds: fc.double({ min: 0, max: 60, noNaN: true }),
    concurrency: fc.integer({ min: 1, max: 1000 }),
  }),
  rows: fc.array(row, { maxLength: 30 }),
});

describe("playground bench's text report", () => {
  it("fits in 100 columns whatever the machine's names and the measured numbers are", () => {
    fc.assert(
      fc.property(run, (r) => {
        expect(width(renderBenchText(r))).toBeLessThanOrEqual(100);
      }),
      { numRuns: 500 },
    );
  });

  it("the machine a CI run met: a long Intel CPU name and kernel string", () => {
    const text = renderBenchText({
      date: "2026-12-01T16:00:00.000Z",
      machine: {
        cores: 2,
        cpu: "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz Processor (Sapphire Rapids)",
        kernel: "Linux 6.18.44-fc-v595-cloud-amd64-something-longer",
        node: "v20.20.2",
      },
      settings: {
        transports: ["tcp4"],
        modes: ["sessions"],
        durationSeconds: 1,
        warmupSeconds: 0.5,
        concurrency: 32,
      },
      rows: [],
    });
    expect(width(text)).toBeLessThanOrEqual(100);
    expect(text).toContain("Intel(R) Xeon(R) Platinum 8481C"); // wrapped, not cut
  });

  it.each([
    [999_960, "1.00 M ses/s"],
    [999.6, "1.00 k ses/s"],
    [12_345, "12.3 k ses/s"],
    [42, "42 ses/s"],
  ])("a rate of %d reads %s: never toPrecision's exponent form", (rate, shown) => {
    const text = renderBenchText({
      date: "2026-12-01T16:00:00.000Z",
      machine: { cores: 2, cpu: "cpu", kernel: "Linux", node: "v20" },
      settings: {
        transports: ["tcp4"],
        modes: ["sessions"],
        durationSeconds: 1,
        warmupSeconds: 0,
        concurrency: 1,
      },
      rows: [
        {
          transport: "tcp4",
          mode: "sessions",
          server: "playground server",
          result: {
            mode: "sessions",
            concurrency: 1,
            seconds: 1,
            sessions: 1,
            sessionsPerSecond: rate,
            errors: 0,
            latencyUs: { count: 1, p50Us: 1, p90Us: 1, p99Us: 1, p999Us: 1, maxUs: 1, meanUs: 1, curve: [] },
          },
        },
      ],
    });
    expect(text).toMatch(new RegExp(`^tcp4\\s+sessions\\s+${shown.replace(/[./]/g, "\\$&")}`, "m"));
  });
});
