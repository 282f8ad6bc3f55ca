// TCP's state changes, resets and retransmissions, from the kernel's own tracepoints (the source bcc's
// tcpstates reads): sock:inet_sock_set_state, tcp:tcp_send_reset, tcp:tcp_receive_reset and, where the
// kernel has them, tcp:tcp_retransmit_skb and tcp:tcp_retransmit_synack, in a tracefs instance of
// this run's own (instances/<name>: concurrent runs never see each other's events, and the global
// buffer stays untouched), stamped with trace_clock mono so that they can be placed on the run's time
// axis. The instance is removed afterwards, and on Ctrl-C (leftovers.ts).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SetupError } from "../errors.js";
import { portOf } from "../experiments/kit/ss.js";
import { atExit } from "../leftovers.js";

export const TRACEFS = "/sys/kernel/tracing";

/**
 * Each event's name in tracefs, whether the kernel filters it by port (tcp_send_reset has no port
 * field), and whether the states can be told without it.
 */
const EVENTS = [
  { path: "sock/inet_sock_set_state", byPort: true, optional: false },
  { path: "tcp/tcp_receive_reset", byPort: true, optional: false },
  { path: "tcp/tcp_send_reset", byPort: false, optional: false },
  { path: "tcp/tcp_retransmit_skb", byPort: true, optional: true },
  { path: "tcp/tcp_retransmit_synack", byPort: true, optional: true },
] as const;

const has = (e: (typeof EVENTS)[number]) => existsSync(join(TRACEFS, "events", e.path));

export type TcpEvent = { monoUs: number; local: string; remote: string } & (
  | { what: "state"; from: string; to: string }
  | { what: "reset"; sent: boolean }
  | { what: "retransmit"; synack: boolean }
);

export interface StateTrace {
  /** Stop tracing, read what the instance holds for `ports` (at either end), and remove the instance. */
  stop(ports: number | readonly number[]): TcpEvent[];
}

/** tracefs mounted where the kernel documents it, mounting it if it is not: a SetupError if it cannot be. */
export function mountTracefs(): void {
  if (existsSync(join(TRACEFS, "instances"))) return;
  const mounted = spawnSync("mount", ["-t", "tracefs", "nodev", TRACEFS], { encoding: "utf8" });
  if (mounted.status === 0 && existsSync(join(TRACEFS, "instances"))) return;
  const why = (mounted.stderr || mounted.error?.message || "").trim().split("\n")[0];
  throw new SetupError(
    `--capture: tracefs is not mounted at ${TRACEFS} and mounting it failed (${why}): ` +
      "mount -t tracefs nodev /sys/kernel/tracing (in a container, run it with --privileged)",
  );
}

/** Why TCP states cannot be traced on this kernel, or undefined when they can. */
export function whyNoStates(): string | undefined {
  const missing = EVENTS.filter((e) => !e.optional && !has(e));
  if (missing.length === 0) return undefined;
  return `no TCP states: this kernel has no tracepoint ${missing.map((e) => e.path.replace("/", ":")).join(", ")}`;
}

/**
 * Trace TCP sockets from now on: those on `port` (either end), or, when the port is not known yet
 * (a run under strace binds it later), all of them, to be filtered by port when read.
 */
export function startStateTrace(port?: number): StateTrace {
  const dir = join(
    TRACEFS,
    "instances",
    `playground-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  );
  mkdirSync(dir);
  // rmdir fails while the instance's events are on; turn them off first, whatever is left on.
  const remove = atExit(() => {
    for (const e of EVENTS) tryWrite(join(dir, "events", e.path, "enable"), "0");
    rmdirSync(dir);
  });
  try {
    writeFileSync(join(dir, "trace_clock"), "mono");
    for (const e of EVENTS.filter(has)) {
      const events = join(dir, "events", e.path);
      if (e.byPort && port !== undefined) {
        writeFileSync(join(events, "filter"), `sport == ${port} || dport == ${port}`);
      }
      writeFileSync(join(events, "enable"), "1");
    }
  } catch (err) {
    remove();
    throw err;
  }
  let stopped = false;
  return {
    stop(ports) {
      if (stopped) return []; // a second stop, after a run that failed: already removed
      stopped = true;
      const wanted = new Set(typeof ports === "number" ? [ports] : ports);
      writeFileSync(join(dir, "tracing_on"), "0");
      const text = readFileSync(join(dir, "trace"), "utf8");
      remove();
      return parseTrace(text).filter((e) => wanted.has(portOf(e.local)) || wanted.has(portOf(e.remote)));
    },
  };
}

function tryWrite(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch {}
}

const LINE = / (\d+)\.(\d{6}): (inet_sock_set_state|tcp_\w+): (.*)$/;

/** The events in a tracefs `trace` file, as the kernel printed them (see each event's `format`). */
export function parseTrace(text: string): TcpEvent[] {
  return text.split("\n").flatMap((line): TcpEvent[] => {
    const m = LINE.exec(line);
    if (!m) return [];
    const [, seconds = "", micros = "", event, rest = ""] = m;
    const monoUs = Number(seconds) * 1_000_000 + Number(micros);
    const field = (name: string) => new RegExp(`(?:^| )${name}=(\\S+)`).exec(rest)?.[1] ?? "";
    if (event === "tcp_send_reset") {
      return [{ monoUs, what: "reset", sent: true, local: field("src"), remote: field("dest") }];
    }
    const v6 = field("family") === "AF_INET6";
    const host = (end: "s" | "d") => (v6 ? `[${field(`${end}addrv6`)}]` : field(`${end}addr`));
    const ends = { local: `${host("s")}:${field("sport")}`, remote: `${host("d")}:${field("dport")}` };
    if (event === "tcp_receive_reset") return [{ monoUs, what: "reset", sent: false, ...ends }];
    if (event === "tcp_retransmit_skb") return [{ monoUs, what: "retransmit", synack: false, ...ends }];
    if (event === "tcp_retransmit_synack") return [{ monoUs, what: "retransmit", synack: true, ...ends }];
    if (event !== "inet_sock_set_state") return [];
    const state = (name: string) => field(name).replace(/^TCP_/, "");
    return [{ monoUs, what: "state", from: state("oldstate"), to: state("newstate"), ...ends }];
  });
}
