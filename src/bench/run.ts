// One bench run: for each transport and mode, a server in a process of its own on a fresh address,
// the load from this process, then the server stopped and its address cleaned up, whatever happened.
//
//   mode        server (its own process)                          load (this process)
//   pingpong    bench-server.js echo: the playground's transports  pingpong.ts, one session
//   throughput  bench-server.js sink: the playground's transports  throughput.ts, one session
//   sessions    `playground server`, the real one                  sessions.ts, --concurrency clients
//   classic     `playground server`, the real one                  sessions.ts, the lab's client.py
//                                                                  (connection transports only)
//
// scripts/bench-floor.ts runs the same loads against other servers (raw Node, the classic
// one-at-a-time design) by passing its own ServerCommand.
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { freshAddress } from "../commands/addresses.js";
import { machine } from "../compare/compare.js";
import { notInterrupted } from "../leftovers.js";
import type { Progress } from "../output/progress.js";
import { loadTransport } from "../transports/index.js";
import type { Transport, TransportName } from "../transports/transport.js";
import type { LoadOptions } from "./load.js";
import { machineBusySeconds } from "./machine-load.js";
import { type PingpongResult, pingpong } from "./pingpong.js";
import { type ServerProcess, startServerProcess } from "./server-process.js";
import { type SessionsResult, sessions } from "./sessions.js";
import { type ThroughputResult, throughput } from "./throughput.js";

export const MODES = ["pingpong", "throughput", "sessions", "classic"] as const;
export type Mode = (typeof MODES)[number];

/** Whether a mode runs on a transport: the classic client differs from ours only on a connection. */
export function modeApplies(mode: Mode, transport: { connectionOriented: boolean }): boolean {
  return mode !== "classic" || transport.connectionOriented;
}

export interface BenchSettings {
  transports: TransportName[];
  modes: Mode[];
  durationSeconds: number;
  warmupSeconds: number;
  /** Bytes per message; unset: each mode's default (defaultSize). */
  size?: number;
  concurrency: number;
}

export interface BenchRow {
  transport: TransportName;
  mode: Mode;
  /** Which server answered: "playground server", "bench-server echo", or a floor's name. */
  server: string;
  result?: PingpongResult | ThroughputResult | SessionsResult;
  /** Why the run failed, when it did: one line. */
  error?: string;
  /** The server process over the measured run: CPU (100 = one core busy) and resident memory at the end. */
  serverCpuPercent?: number;
  serverRssKiB?: number;
  /** This process, the load, over the same time. */
  loadCpuPercent?: number;
  /** Every other process on the machine over the same time: more than a little skews the numbers. */
  othersCpuPercent?: number;
}

export interface BenchRun {
  date: string;
  machine: { cores: number; cpu: string; kernel: string; node: string };
  settings: BenchSettings;
  rows: BenchRow[];
}

/**
 * node arguments that start a server for `mode` on `address`, and a name for it in the results. A
 * server that prints no ready line gives `quietAt`, the stream address to poll until it connects.
 */
export type ServerCommand = (
  transport: Transport,
  mode: Mode,
  address: string,
) => { name: string; args: string[]; quietAt?: string };

const CLI = fileURLToPath(new URL("../cli.js", import.meta.url));
const BENCH_SERVER = fileURLToPath(new URL("./bench-server.js", import.meta.url));

/** The playground's servers: the real `playground server` for sessions, the bench server for the rest. */
export const playgroundServers: ServerCommand = (transport, mode, address) => {
  if (mode === "sessions" || mode === "classic") {
    const where = transport.family === "unix" ? ["--path", address] : ["--port", "0"];
    return { name: "playground server", args: [CLI, "server", "--transport", transport.name, ...where] };
  }
  const service = mode === "pingpong" ? "echo" : "sink";
  return { name: `bench-server ${service}`, args: [BENCH_SERVER, service, transport.name, address] };
};

/** Small pings; throughput in iperf3's 128 KiB writes on a stream, 8 KiB records or datagrams otherwise. */
export function defaultSize(mode: Mode, transport: { type: Transport["type"] }): number {
  if (mode === "pingpong") return 64;
  return transport.type === "stream" ? 128 * 1024 : 8 * 1024;
}

export async function runBench(
  settings: BenchSettings,
  progress: Progress,
  servers: ServerCommand = playgroundServers,
): Promise<BenchRun> {
  const rows: BenchRow[] = [];
  for (const name of settings.transports) {
    const transport = await loadTransport(name);
    for (const mode of settings.modes) {
      if (!modeApplies(mode, transport)) continue;
      await notInterrupted(); // Ctrl-C during the last run: start no other
      progress.step(`${name} ${mode}`, settings.warmupSeconds + settings.durationSeconds);
      rows.push(await benchOne(transport, mode, settings, servers));
    }
  }
  progress.done();
  return { date: new Date().toISOString(), machine: machine(), settings, rows };
}

/** One transport in one mode: start the server, load it, stop it; a failure is a row with an error. */
export async function benchOne(
  transport: Transport,
  mode: Mode,
  settings: BenchSettings,
  servers: ServerCommand = playgroundServers,
): Promise<BenchRow> {
  // Its temp dir, like the server process, belongs to leftovers.ts: gone at exit or on Ctrl-C too.
  const fresh = freshAddress(transport.name, {});
  const command = servers(transport, mode, fresh.address);
  const row: BenchRow = { transport: transport.name, mode, server: command.name };
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess(command.args, command.quietAt);
    const running = server;
    let serverCpu = 0;
    let loadCpu = process.cpuUsage();
    let machineCpu = 0;
    let measuring = 0;
    const load: LoadOptions = {
      warmupSeconds: settings.warmupSeconds,
      durationSeconds: settings.durationSeconds,
      onMeasuring() {
        serverCpu = running.cpuSeconds();
        loadCpu = process.cpuUsage();
        machineCpu = machineBusySeconds();
        measuring = performance.now();
      },
    };
    row.result = await loadFor(mode, transport, running.address, settings, load);
    const seconds = (performance.now() - measuring) / 1000;
    const used = process.cpuUsage(loadCpu);
    const serverSeconds = running.cpuSeconds() - serverCpu;
    const loadSeconds = (used.user + used.system) / 1e6;
    const machineSeconds = machineBusySeconds() - machineCpu;
    row.serverCpuPercent = Math.round((100 * serverSeconds) / seconds);
    row.loadCpuPercent = Math.round((100 * loadSeconds) / seconds);
    row.othersCpuPercent = Math.max(
      0,
      Math.round((100 * (machineSeconds - serverSeconds - loadSeconds)) / seconds),
    );
    row.serverRssKiB = running.rssKiB();
  } catch (err) {
    row.error = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  } finally {
    await server?.stop();
    fresh.cleanup();
  }
  return row;
}

function loadFor(
  mode: Mode,
  transport: Transport,
  address: string,
  settings: BenchSettings,
  load: LoadOptions,
): Promise<BenchRow["result"]> {
  const size = settings.size ?? defaultSize(mode, transport);
  switch (mode) {
    case "pingpong":
      return pingpong(transport, address, size, load);
    case "throughput":
      return throughput(transport, address, size, load);
    case "sessions":
    case "classic":
      return sessions(transport, address, settings.concurrency, load, mode);
  }
}
