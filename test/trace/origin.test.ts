// A trace's origin places other sources' timestamps on its ladder: another process's clocks, and
// strace's wall-clock stamps against `playground run --json`. Real clocks, real processes.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SocketEvent } from "../../src/trace/events.js";
import { onTrace, type TraceOrigin, wallTime } from "../../src/trace/origin.js";
import { createTracer } from "../../src/trace/tracer.js";
import { tcp4 } from "../../src/transports/tcp.js";
import { finished, playgroundUnderStrace } from "../helpers/cli.js";
import { PYTHON, requireTool } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(removeTempDirs);

/** The wall clock can be read a little differently by two processes (NTP slews it): 2 ms. */
const WALL_SLACK_US = 2000;

describe("a trace's origin", () => {
  it("places another process's CLOCK_MONOTONIC and wall-clock readings between the calls around them", () => {
    requireTool(PYTHON);
    const trace = createTracer(tcp4, () => {});
    const before = trace.now();
    const [monotonicUs, wallUs] = execFileSync(PYTHON, [
      "-c",
      "import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000, time.time_ns() // 1000)",
    ])
      .toString()
      .trim()
      .split(" ")
      .map(Number) as [number, number];
    const after = trace.now();

    const monotonic = onTrace(trace.origin, "monotonic", monotonicUs);
    expect(monotonic).toBeGreaterThanOrEqual(before);
    expect(monotonic).toBeLessThanOrEqual(after);
    const wall = onTrace(trace.origin, "wall", wallUs);
    expect(wall).toBeGreaterThanOrEqual(before - WALL_SLACK_US);
    expect(wall).toBeLessThanOrEqual(after + WALL_SLACK_US);
  });

  it("says its wall time in ISO 8601 with microseconds", () => {
    const origin: TraceOrigin = { wallUs: Date.UTC(2026, 11, 1, 20, 5, 0, 123) * 1000 + 456, monotonicUs: 0 };
    expect(wallTime(origin)).toBe("2026-12-01T20:05:00.123456Z");
    expect(wallTime(origin, 1_000_544)).toBe("2026-12-01T20:05:01.124000Z");
  });

  it("run --json records it, and strace's connect() lands between the client's connect and the server's accept", async () => {
    requireTool("strace");
    const log = join(tempDir(), "strace.log");
    const args = ["run", "--json", "--transport", "tcp4"];
    const child = playgroundUnderStrace("connect", log, args, ["-ttt"]); // wall clock, µs
    const { code, stdout } = await finished(child, 30_000);
    expect(code).toBe(0);
    const records = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Partial<SocketEvent> & { trace?: string; origin?: TraceOrigin });
    const began = records.find((r) => r.trace === "began");
    expect(began?.origin).toBeDefined();
    const origin = began?.origin as TraceOrigin;
    const connect = records.find((r) => r.side === "client" && r.call === "connect") as SocketEvent;
    const accept = records.find((r) => r.side === "server" && r.call === "accept") as SocketEvent;
    const port = connect.remote?.split(":").at(-1);

    const line = readFileSync(log, "utf8")
      .split("\n")
      .find((l) => l.includes("connect(") && l.includes(`sin_port=htons(${port})`));
    expect(line).toBeDefined();
    const stamp = Number(/(\d+\.\d{6}) connect\(/.exec(line as string)?.[1]) * 1e6;
    const t = onTrace(origin, "wall", Math.round(stamp));
    expect(t).toBeGreaterThanOrEqual(connect.t - WALL_SLACK_US);
    expect(t).toBeLessThanOrEqual(accept.t + WALL_SLACK_US);
  });
});
