// Latencies into an HDR histogram (hdr-histogram-js, after Gil Tene's HdrHistogram): fixed memory
// however many samples, three significant digits at every scale, so the p99.9 of a million round trips
// needs no array and no sort. Recorded in nanoseconds, reported in microseconds.
import { build, type Histogram } from "hdr-histogram-js";

export interface LatencySummary {
  count: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
  /**
   * The percentile spectrum, as HDR histograms are plotted: the latency at each of CURVE_PERCENTILES
   * that the samples can tell apart (the 99.99th needs at least 10,000 of them), in microseconds.
   */
  curve: { percentile: number; us: number }[];
}

/** HdrHistogram's usual ticks: halving the distance to 100 % at every step past the median. */
const CURVE_PERCENTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999];

/** Longer than any sample a bounded bench can take: a round trip or a session times out well before. */
const HIGHEST_NS = 60e9;

export class LatencyRecorder {
  private histogram: Histogram = fresh();

  /** One sample, from performance.now() readings (milliseconds with sub-microsecond resolution). */
  record(startMs: number, endMs: number): void {
    const ns = Math.round((endMs - startMs) * 1e6);
    this.histogram.recordValue(Math.min(Math.max(ns, 1), HIGHEST_NS));
  }

  /** Forget the warm-up. */
  reset(): void {
    this.histogram = fresh();
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const us = (ns: number) => Math.round(ns / 10) / 100; // two decimals: 10 ns steps
    // A percentile is the top of its bucket, which can lie above the largest sample in it: no percentile
    // is more than the maximum.
    const at = (percentile: number) => us(Math.min(h.getValueAtPercentile(percentile), h.maxValue));
    return {
      count: h.totalCount,
      p50Us: at(50),
      p90Us: at(90),
      p99Us: at(99),
      p999Us: at(99.9),
      maxUs: us(h.maxValue),
      meanUs: us(h.mean),
      curve: CURVE_PERCENTILES.filter((p) => h.totalCount * (1 - p / 100) >= 1).map((percentile) => ({
        percentile,
        us: at(percentile),
      })),
    };
  }
}

function fresh(): Histogram {
  return build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_NS,
    numberOfSignificantValueDigits: 3,
  });
}
