// sessions: whole welcome → message → ack sessions against `playground server`, each on a connection
// (or datagram socket) of its own, from --concurrency clients in a closed loop: each starts its next
// session as soon as the last one ends, as netperf's TCP_CRR does. Two clients, untraced:
//
//   sessions  the playground's own (runClient): on a stream it shuts down its side after the message
//   classic   the lab's client.py: connect, recv(1024) the welcome, sendall() the message, recv(1024)
//             the ack, close() — no shutdown(SHUT_WR), so only the server's message-end rule tells
//             it the message is over (connection transports only: a datagram client has no half-close)
import { performance } from "node:perf_hooks";
import { runClient } from "../protocol/client.js";
import { MESSAGE } from "../protocol/messages.js";
import { noTrace } from "../trace/events.js";
import type { ConnectionTransport, Transport } from "../transports/transport.js";
import { LatencyRecorder, type LatencySummary } from "./histogram.js";
import { deadline, type LoadOptions, MAX_OPERATIONS, secondsSince } from "./load.js";

/** A sessions run; `mode` says which client made the sessions (one literal each, so that it narrows). */
export type SessionsResult = SessionsRun & ({ mode: "sessions" } | { mode: "classic" });

interface SessionsRun {
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
/** The classic client's socket timeout, as client.py's settimeout(5). */
const CLASSIC_TIMEOUT_MS = 5000;
/** A run whose sessions mostly fail stops early instead of hammering a broken server for its duration. */
const MAX_ERRORS = 100;

export async function sessions(
  transport: Transport,
  server: string,
  concurrency: number,
  load: LoadOptions,
  client: "sessions" | "classic" = "sessions",
): Promise<SessionsResult> {
  const session = sessionOf(transport, server, client);
  await closedLoop(session, concurrency, load.warmupSeconds, new LatencyRecorder());
  load.onMeasuring?.();
  const latencies = new LatencyRecorder();
  const start = performance.now();
  const { errors, firstError } = await closedLoop(session, concurrency, load.durationSeconds, latencies);
  const seconds = secondsSince(start);
  if (latencies.count === 0) throw new Error(firstError ?? "no session completed");
  const result: SessionsResult = {
    mode: client,
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

/** One whole session of the chosen client; rejects when it failed. */
function sessionOf(
  transport: Transport,
  server: string,
  client: SessionsResult["mode"],
): () => Promise<unknown> {
  if (client === "sessions") return () => runClient(transport, server, CLIENT, noTrace);
  if (transport.kind !== "connection")
    throw new Error(`${transport.name} has no connection for the classic client`);
  return () => classicSession(transport, server);
}

/**
 * The lab's client.py on one connection: the first read is the welcome, the message goes out in one
 * write, the next read is the ack, and then close() — as soon as the ack is in, whatever follows.
 */
async function classicSession(transport: ConnectionTransport, server: string): Promise<void> {
  const connection = await transport.dial(server, noTrace);
  await new Promise<void>((resolve, reject) => {
    let reads = 0;
    const timer = setTimeout(() => {
      connection.destroy();
      reject(new Error(`no ${reads === 0 ? "welcome" : "ack"} within ${CLASSIC_TIMEOUT_MS / 1000} s`));
    }, CLASSIC_TIMEOUT_MS);
    connection.setHandlers({
      data: () => {
        if (++reads === 1) {
          connection.write(CLIENT.message).catch(() => {}); // a failed write shows as a close without the ack
          return;
        }
        clearTimeout(timer);
        connection.destroy(); // close(): the ack is in
        resolve();
      },
      end: () => {},
      close: (err) => {
        clearTimeout(timer);
        reject(err ?? new Error("the server closed before the ack"));
      },
    });
  });
}

async function closedLoop(
  session: () => Promise<unknown>,
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
        await session();
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
