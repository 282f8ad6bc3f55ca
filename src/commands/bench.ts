// `playground bench`: how fast the playground's sockets go, per transport and mode, with each server
// in a process of its own (src/bench/run.ts). Results on stdout, as a table or one JSON document; a
// progress bar on stderr only on a terminal. Ctrl-C stops every server and removes every socket file
// (leftovers.ts).
import { renderBenchText } from "../bench/report.js";
import { type BenchSettings, MODES, modeApplies, runBench } from "../bench/run.js";
import { UsageError } from "../errors.js";
import { exitOnInterrupt } from "../leftovers.js";
import { progressBar } from "../output/progress.js";
import { familyTypeOf, parseTransportList } from "../strategy.js";
import type { BenchFlags } from "./flags/bench.js";

/** The largest UDP payload (65,535 − 8 − 20): the smallest limit of the record transports. */
const MAX_RECORD_BYTES = 65_507;

export async function bench(flags: BenchFlags): Promise<void> {
  const settings = check(flags);
  const runs = settings.transports.flatMap((name) =>
    settings.modes.filter((mode) =>
      modeApplies(mode, { connectionOriented: familyTypeOf(name).type !== "dgram" }),
    ),
  );
  exitOnInterrupt();
  const progress = progressBar(runs.length);
  try {
    const run = await runBench(settings, progress);
    process.stdout.write(flags.json ? `${JSON.stringify(run, null, 2)}\n` : `${renderBenchText(run)}\n`);
    if (run.rows.some((row) => row.error !== undefined)) process.exitCode = 1;
  } finally {
    progress.done();
  }
}

function check(flags: BenchFlags): BenchSettings {
  const transports = parseTransportList(flags.transport);
  const modes = flags.mode === "all" ? [...MODES] : [flags.mode];
  if (flags.mode === "classic" && transports.every((name) => familyTypeOf(name).type === "dgram")) {
    throw new UsageError(
      `--mode classic: the lab's classic client needs a connection (${transports.join(", ")} ` +
        "has none; on a datagram socket --mode sessions is already send-and-wait): add tcp4, tcp6, " +
        "unix-stream or unix-seqpacket",
    );
  }
  // --duration, --warmup, --concurrency and --size are in range: the CLI checks them (commands/validate.ts).
  const settings: BenchSettings = {
    transports,
    modes,
    durationSeconds: flags.duration,
    warmupSeconds: flags.warmup,
    concurrency: flags.concurrency,
  };
  if (flags.size !== undefined) {
    const size = flags.size;
    const records = transports.filter((name) => familyTypeOf(name).type !== "stream");
    if (size > MAX_RECORD_BYTES && records.length > 0) {
      throw new UsageError(
        `--size ${size}: a datagram or seqpacket record holds at most ${MAX_RECORD_BYTES} bytes here ` +
          `(${records.join(", ")}); use a smaller size, or only stream transports`,
      );
    }
    settings.size = size;
  }
  return settings;
}
