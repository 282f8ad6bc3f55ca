// The latency summary's percentile curve (what the report plots, HdrHistogram-style): the latency at
// each percentile the samples can tell apart, rising, and agreeing with the summary's own percentiles.
import { describe, expect, it } from "vitest";
import { LatencyRecorder } from "../../src/bench/histogram.js";

/** A recorder holding 1, 2, … `count` µs, in shuffled order. */
function recorded(count: number): LatencyRecorder {
  const recorder = new LatencyRecorder();
  const values = Array.from({ length: count }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
  for (const us of values) recorder.record(0, us / 1000);
  return recorder;
}

describe("LatencyRecorder's curve", () => {
  it("reaches as far into the tail as the samples do", () => {
    const percentiles = (count: number) =>
      recorded(count)
        .summary()
        .curve.map((point) => point.percentile);
    expect(percentiles(10_000).at(-1)).toBe(99.99); // one sample in 10,000 is above it
    expect(percentiles(100).at(-1)).toBe(99);
    expect(percentiles(100_000).at(-1)).toBe(99.999);
  });

  it("rises, and holds the summary's percentiles to HdrHistogram's three digits", () => {
    const summary = recorded(10_000).summary();
    const at = (p: number) => summary.curve.find((point) => point.percentile === p)?.us;
    const values = summary.curve.map((point) => point.us);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(at(50)).toBe(summary.p50Us);
    expect(at(99)).toBe(summary.p99Us);
    expect(at(99.9)).toBe(summary.p999Us);
    expect(Math.abs((at(50) as number) - 5000)).toBeLessThanOrEqual(5);
    expect(at(0)).toBe(1);
  });
});
