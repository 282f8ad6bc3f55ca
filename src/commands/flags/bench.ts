// `playground bench` on the command line: its options, and the flags they give its handler
// (../bench.ts). Socket-free, so that --help loads no socket code.
import type { Argv } from "yargs";
import { type FlagsOf, TRANSPORT_LIST_HELP, transportListOption } from "./shared.js";

/** bench's defaults, which report's --bench runs with. */
export const BENCH_DEFAULTS = { duration: 1, warmup: 0.5, concurrency: 32 } as const;

export const benchOptions = (y: Argv) =>
  transportListOption(y)
    .option("mode", {
      type: "string",
      choices: ["pingpong", "throughput", "sessions", "classic", "all"] as const,
      default: "all" as const,
      describe: "round trips, bytes one way, whole sessions (ours, or the lab's classic client)",
    })
    .option("duration", {
      type: "number",
      default: BENCH_DEFAULTS.duration,
      describe: "seconds measured per transport and mode",
    })
    .option("warmup", {
      type: "number",
      default: BENCH_DEFAULTS.warmup,
      describe: "seconds of load before measuring",
    })
    .option("size", {
      type: "number",
      describe: "bytes per message (pingpong 64; throughput 128 KiB streams, 8 KiB others)",
    })
    .option("concurrency", {
      type: "number",
      default: BENCH_DEFAULTS.concurrency,
      describe: "sessions mode: clients at once",
    })
    .option("json", { type: "boolean", default: false, describe: "one JSON document, with the machine" })
    .example("$0 bench", "every transport in every mode: a minute")
    .example("$0 bench --transport tcp4 --mode sessions", "sessions per second over TCP")
    .example("$0 bench --transport tcp4 --mode classic --concurrency 1", "the lab's client, one at a time")
    .example("$0 bench --mode pingpong --size 1024", "round trips of 1 KiB messages")
    .example("$0 bench --json > bench.json", "the results, the machine and the date")
    .epilogue(
      "sessions runs the real `playground server` against our client, which shuts down its side " +
        "after the message; classic runs it against the lab's client.py (recv, send, recv, close: no " +
        "shutdown), on connection transports; pingpong and throughput run a small echo or sink server " +
        "on the same transports (dist/bench/bench-server.js). Each server has a process of its own. " +
        "Ratios to a raw-Node floor, sockperf and iperf3: npx tsx scripts/bench-floor.ts.\n\n" +
        TRANSPORT_LIST_HELP,
    );

export type BenchFlags = FlagsOf<typeof benchOptions>;

export const benchLine = {
  name: "bench",
  command: "bench",
  describe: "latency, throughput and sessions per second, measured now",
  builder: benchOptions,
};
