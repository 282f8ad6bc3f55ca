// sessions: whole welcome → message → ack sessions against `playground server`, each on a connection
// (or datagram socket) of its own, from --concurrency clients in a closed loop: each starts its next
// session as soon as the last one ends, as netperf's TCP_CRR does. The client is the playground's own
// (runClient), untraced.
import { performance } from "node:perf_hooks";
import { runClient } from "../protocol/client.js";
import { MESSAGE } from "../protocol/messages.js";
import { noTrace } from "../trace/events.js";
import type { Transport } from "../transports/transport.js";
import { LatencyRecorder, type LatencySummary } from "./histogram.js";
import { deadline, type LoadOptions, MAX_OPERATIONS, secondsSince } from "./load.js";

export interface SessionsResult {
  mode: "sessions";
  concurrency: number;
  seconds: number;
  sessions: number;
  sessionsPerSecond: number;
  /** Sessions that failed; the first failure's message says why. */
  errors: number;
  firstError?: string;
  /** A whole session: connect (or the hello) to the close after the ack. */
  latencyUs: LatencySummary;
}

/** The playground client's own defaults: 5 s per reply, datagrams sent up to 4 times. */
const CLIENT = { message: Buffer.from(MESSAGE), timeout: 5, retries: 3 };
/** A run whose sessions mostly fail stops early instead of hammering a broken server for its duration. */
const MAX_ERRORS = 100;

export async function sessions(
  transport: Transport,
  server: string,
  concurrency: number,
  load: LoadOptions,
): Promise<SessionsResult> {
  await closedLoop(transport, server, concurrency, load.warmupSeconds, new LatencyRecorder());
  load.onMeasuring?.();
  const latencies = new LatencyRecorder();
  const start = performance.now();
  const { errors, firstError } = await closedLoop(
    transport,
    server,
    concurrency,
    load.durationSeconds,
    latencies,
  );
  const seconds = secondsSince(start);
  if (latencies.count === 0) throw new Error(firstError ?? "no session completed");
  const result: SessionsResult = {
    mode: "sessions",
    concurrency,
    seconds,
    sessions: latencies.count,
    sessionsPerSecond: latencies.count / seconds,
    errors,
    latencyUs: latencies.summary(),
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

async function closedLoop(
  transport: Transport,
  server: string,
  concurrency: number,
  seconds: number,
  latencies: LatencyRecorder,
): Promise<{ errors: number; firstError?: string }> {
  const end = deadline(seconds);
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const client = async () => {
    while (performance.now() < end && started < MAX_OPERATIONS && errors < MAX_ERRORS) {
      started++;
      const start = performance.now();
      try {
        await runClient(transport, server, CLIENT, noTrace);
        latencies.record(start, performance.now());
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return firstError === undefined ? { errors } : { errors, firstError };
}
