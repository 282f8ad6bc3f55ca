// Runs an experiment on each transport it applies to, each time in a fresh temp dir with fresh
// ports, and compares what happened with what the man page says Linux does.
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Lab } from "../lab/lab.js";
import { notInterrupted, tempDir } from "../leftovers.js";
import { TRANSPORT_NAMES } from "../strategy.js";
import type { SocketEvent } from "../trace/events.js";
import { createTracer } from "../trace/tracer.js";
import { factsOf } from "../transports/facts.js";
import { loadTransport } from "../transports/index.js";
import type { TransportName } from "../transports/transport.js";
import { recordLoopback } from "../wire/capture.js";
import { protoOf } from "../wire/session.js";
import { startStateTrace, type TcpEvent, whyNoStates } from "../wire/tracefs.js";
import type { Experiment, ExperimentContext, Result, Verdict } from "./experiment.js";

/** No experiment should need more; one that does is reported as failed, not waited for. */
const TIME_LIMIT_MS = 15_000;

export interface Run {
  result: Result;
  /** The socket calls the run made, for its ladder. */
  events: SocketEvent[];
}

/** The transports an experiment runs on: those it applies to, of `only` if given. */
export function runsOf(experiment: Experiment, only?: readonly TransportName[]): TransportName[] {
  return TRANSPORT_NAMES.filter(
    (name) => (!only || only.includes(name)) && experiment.expected[name] !== undefined,
  );
}

/**
 * Run it on every transport of `only` (all if not given); `starting` hears of each live run first.
 * `capture`: record the packets on lo during each inet run (tcpdump), and add them to its evidence.
 */
export async function runExperiment(
  experiment: Experiment,
  only?: readonly TransportName[],
  starting: (name: TransportName) => void = () => {},
  capture = false,
  lab?: Lab,
): Promise<Run[]> {
  const runs: Run[] = [];
  for (const name of TRANSPORT_NAMES) {
    if (only && !only.includes(name)) continue;
    await notInterrupted(); // Ctrl-C during the last run: start no other
    if (experiment.expected[name] !== undefined) starting(name);
    runs.push(await runOn(experiment, name, capture, lab));
  }
  return runs;
}

async function runOn(
  experiment: Experiment,
  name: TransportName,
  capture: boolean,
  lab: Lab | undefined,
): Promise<Run> {
  const expected = experiment.expected[name];
  const base = { experiment: experiment.name, transport: name };
  if (expected === undefined) {
    return {
      result: { ...base, verdict: "not applicable", reason: experiment.notApplicable, ms: 0 },
      events: [],
    };
  }
  const events: SocketEvent[] = [];
  const temp = tempDir("playground-experiment-");
  const dir = temp.path;
  const cleanups: (() => unknown)[] = [];
  const context: ExperimentContext = {
    dir,
    trace: createTracer(await loadTransport(name), (e) => events.push(e)),
    address: (file = "s") => freshAddress(name, dir, file),
    defer: (cleanup) => cleanups.push(cleanup),
    capturing: capture && !name.startsWith("unix"),
    ...(lab ? { lab } : {}),
  };
  const inet = capture && !name.startsWith("unix");
  const recording = inet ? await recordLoopback(join(dir, "lo.pcap")) : undefined;
  const states = inet && name.startsWith("tcp") && !whyNoStates() ? startStateTrace() : undefined;
  const start = performance.now();
  try {
    const observation = await withTimeLimit(experiment.run(name, context));
    if (recording) {
      // The wire as evidence: tcpdump's own lines for the ports this run's calls used, and the TCP
      // states the tracepoint saw on them.
      const ports = portsOf(events);
      const tcp = (states?.stop(ports) ?? []).map(
        (e) => `tcp: ${e.local} ${tcpEventText(e)} (peer ${e.remote})`,
      );
      const packets = await recording.stop(ports, protoOf(factsOf(name)));
      observation.evidence = [
        ...(observation.evidence ?? []),
        ...packets.map((p) => `wire: ${p.from} > ${p.to}: ${p.words}`),
        ...tcp,
      ];
    }
    const verdict: Verdict = observation.outcome === expected ? "matches" : "differs";
    const bentBy = verdict === "differs" ? observation.bentBy : undefined;
    const result = {
      ...base,
      verdict,
      expected,
      observed: observation.outcome,
      evidence: observation.evidence,
      ...(bentBy === undefined ? {} : { bentBy }),
    };
    return { result: { ...result, ms: performance.now() - start }, events };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      result: { ...base, verdict: "failed", expected, reason, ms: performance.now() - start },
      events,
    };
  } finally {
    // A run that failed or timed out still stops its capture: tcpdump, and the tracefs instance.
    states?.stop([]);
    await recording?.stop([], "tcp");
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Cleaning up after a run that already failed must not hide why it failed.
      }
    }
    temp.remove();
  }
}

function tcpEventText(e: TcpEvent): string {
  if (e.what === "state") return `${e.from} → ${e.to}`;
  if (e.what === "reset") return `RST ${e.sent ? "sent" : "received"}`;
  return `retransmitted ${e.synack ? "SYN-ACK" : "a segment"}`;
}

/** The inet ports a run's calls bound or reached (port 0 is no port). */
function portsOf(events: readonly SocketEvent[]): number[] {
  const ports = events
    .flatMap((e) => [e.local, e.remote])
    .map((address) => /:(\d+)$/.exec(address ?? "")?.[1])
    .map(Number)
    .filter((port) => port > 0);
  return [...new Set(ports)];
}

function freshAddress(name: TransportName, dir: string, file: string): string {
  if (name === "tcp4" || name === "udp4") return "127.0.0.1:0";
  if (name === "tcp6" || name === "udp6") return "[::1]:0";
  return join(dir, `${file}.sock`);
}

function withTimeLimit<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`gave no outcome within ${TIME_LIMIT_MS / 1000} s`)),
      TIME_LIMIT_MS,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
