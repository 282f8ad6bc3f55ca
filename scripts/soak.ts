// The "nothing lost" soak: thousands of sessions, each carrying its own message id, through our fault
// proxy (test/helpers/fault-proxy.ts: delays, one-byte slicing, resets, dropped datagrams) against a
// real `playground server --json` for tcp4 and for udp4. The UDP client resends its hello and its
// message until answered, as `playground client` does. Then the server's own record (its recv and
// recvfrom events) is read back: every message the client saw acknowledged must be in it exactly
// once, and no message may be in it twice. The stream server runs with `--message-end newline`, a rule
// that keeps whole messages however the proxy cuts them (the default, the lab's rule, takes the first
// recv() as the message and so promises no such thing).
//
//   npm run build && npx tsx scripts/soak.ts [--sessions 2000] [--concurrency 50] [--seed 42] [--transports tcp4,udp4]
//       [--message-end newline]   (recv, the server's default, shows what a rule that takes a prefix loses)
//
// --sessions is per transport. A brief run is in test/hardening/soak.test.ts; figures go in
// BENCHMARKS.md.
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { SocketEvent } from "../src/trace/events.js";
import { ServerProcess } from "../test/helpers/cli.js";
import {
  type FaultCounts,
  type FaultProxy,
  type Faults,
  seededRandom,
  tcpFaultProxy,
  udpFaultProxy,
} from "../test/helpers/fault-proxy.js";

const WELCOME = "Welcome to the server!";
const ACK = "Message received!";
const HELLO = "HELLO socket-playground";

export interface SoakOptions {
  /** Sessions per transport. */
  sessions: number;
  concurrency: number;
  seed: number;
  faults: Faults;
  transports?: Array<"tcp4" | "udp4">;
  /** The stream server's --message-end: newline (the default here) keeps whole messages. */
  messageEnd?: string;
}

export interface SoakReport {
  transport: "tcp4" | "udp4";
  sessions: number;
  /** Sessions whose client saw the ack. */
  acked: number;
  injected: FaultCounts;
  /** Acked by the server to the client, yet not in the server's record. */
  missing: string[];
  /** In the server's record more than once (in more than one session). */
  duplicated: string[];
  serverRssKiB: number;
  serverPeakRssKiB: number;
  seconds: number;
}

export const DEFAULT_FAULTS: Faults = { maxDelayMs: 10, slice: 0.3, reset: 0.05, drop: 0.1 };

export async function soak(options: SoakOptions): Promise<SoakReport[]> {
  const reports: SoakReport[] = [];
  for (const transport of options.transports ?? (["tcp4", "udp4"] as const)) {
    reports.push(await soakOne(transport, options));
  }
  return reports;
}

async function soakOne(transport: "tcp4" | "udp4", options: SoakOptions): Promise<SoakReport> {
  const random = seededRandom(options.seed);
  // The stream-only flags only on the stream: the server warns about them on a datagram socket.
  const stream =
    transport === "tcp4"
      ? [
          "--message-end",
          options.messageEnd ?? "newline",
          "--message-timeout",
          "5",
          "--max-connections",
          "4096",
        ]
      : [];
  const server = new ServerProcess([
    ...["--transport", transport, "--port", "0", "--json", "--drain-timeout", "5", "--idle-timeout", "3"],
    ...stream,
  ]);
  let proxy: FaultProxy | undefined;
  try {
    const call = transport === "tcp4" ? "listen" : "bind";
    const bound = await server.waitFor(
      new RegExp(`"call":"${call}"[^\\n]*?"local":"127\\.0\\.0\\.1:(\\d+)"`),
    );
    const target = { host: "127.0.0.1", port: Number(bound[1]) };
    proxy = await (transport === "tcp4" ? tcpFaultProxy : udpFaultProxy)(target, options.faults, random);
    const session = transport === "tcp4" ? tcpSession : udpSession;
    const port = proxy.port;

    const started = performance.now();
    const acked = new Set<string>();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.sessions) {
          const id = `soak-${transport}-${next++}`;
          if (await session(port, id)) acked.add(id);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const { rss, peak } = memoryOf(server.child.pid);

    const stopped = await server.stop("SIGTERM");
    if (stopped.code !== 0)
      throw new Error(`the server exited ${stopped.code}:\n${server.output.slice(-2000)}`);
    const record = received(server.output, transport);
    const missing = [...acked].filter((id) => (record.get(id) ?? 0) === 0);
    const duplicated = [...record].filter(([, sessions]) => sessions > 1).map(([id]) => id);
    return {
      transport,
      sessions: options.sessions,
      acked: acked.size,
      injected: { ...proxy.injected },
      missing,
      duplicated,
      serverRssKiB: rss,
      serverPeakRssKiB: peak,
      seconds,
    };
  } finally {
    await proxy?.close();
    await server.stop("SIGKILL");
  }
}

/**
 * One stream session: read the welcome (it may come a byte at a time), send the id with a newline,
 * shut down the write side (as `nc -N` does), and see whether the whole ack follows.
 */
function tcpSession(port: number, id: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let received = "";
    let sent = false;
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    socket.on("data", (text: string) => {
      received += text;
      if (!sent && received.startsWith(WELCOME)) {
        sent = true;
        socket.end(`${id}\n`);
      }
    });
    socket.on("end", () => socket.end());
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received === WELCOME + ACK);
    });
  });
}

/** One datagram session: the hello, then the id, each resent every 100 ms until answered (20 tries). */
function udpSession(port: number, id: string): Promise<boolean> {
  const socket = dgram.createSocket("udp4");
  socket.on("error", () => {});
  const replies: string[] = [];
  socket.on("message", (data) => replies.push(data.toString()));
  const until = async (data: string, reply: string) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      socket.send(data);
      const deadline = Date.now() + 100;
      while (Date.now() < deadline) {
        if (replies.includes(reply)) return true;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    return false;
  };
  return new Promise<boolean>((resolve) => {
    socket.connect(port, "127.0.0.1", async () => {
      const ok = (await until(HELLO, WELCOME)) && (await until(id, ACK));
      socket.close();
      resolve(ok);
    });
  });
}

/**
 * The server's record: for each message id, in how many sessions it arrived. A datagram resent within
 * one session counts once. A stream message may arrive in pieces, so a session's message is its reads
 * joined, up to the ack: what the server had taken as the message when it answered.
 */
function received(output: string, transport: "tcp4" | "udp4"): Map<string, number> {
  const events = output
    .split("\n")
    .filter((line) => line.startsWith("{") && line.endsWith("}"))
    .map((line) => JSON.parse(line) as SocketEvent)
    .filter((e) => e.side === "server" && e.session !== undefined);
  const sessionsOf = new Map<string, Set<number>>();
  const add = (text: string, session: number) => {
    if (!text.startsWith("soak-")) return;
    sessionsOf.set(text, (sessionsOf.get(text) ?? new Set()).add(session));
  };
  if (transport === "udp4") {
    for (const e of events) if (e.call === "recvfrom" && e.bytes) add(e.preview ?? "", e.session as number);
  } else {
    const text = new Map<number, string>();
    const answered = new Set<number>();
    for (const e of events) {
      const session = e.session as number;
      if (e.call === "send" && e.preview === ACK) answered.add(session);
      if (e.call === "recv" && e.bytes && !answered.has(session))
        text.set(session, (text.get(session) ?? "") + e.preview);
    }
    for (const [session, joined] of text) add(joined, session);
  }
  return new Map([...sessionsOf].map(([id, sessions]) => [id, sessions.size]));
}

function memoryOf(pid: number | undefined): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

export function describeReport(r: SoakReport): string {
  const f = r.injected;
  const faults =
    r.transport === "tcp4"
      ? `${f.connections} connections: ${f.delayed} chunks delayed, ${f.sliced} sliced to single bytes, ${f.resets} resets`
      : `${f.datagrams} datagrams: ${f.delayed} delayed, ${f.dropped} dropped`;
  return [
    `${r.transport}: ${r.sessions} sessions in ${r.seconds.toFixed(1)} s, ${r.acked} acked`,
    `  faults injected: ${faults}`,
    `  server RSS at the end ${(r.serverRssKiB / 1024).toFixed(1)} MiB, peak ${(r.serverPeakRssKiB / 1024).toFixed(1)} MiB`,
    `  acked but missing from the server's record: ${r.missing.length}; recorded more than once: ${r.duplicated.length}`,
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: "string", default: "2000" },
      concurrency: { type: "string", default: "50" },
      seed: { type: "string", default: String(Date.now() % 1_000_000) },
      transports: { type: "string", default: "tcp4,udp4" },
      "message-end": { type: "string", default: "newline" },
    },
  });
  const options = {
    sessions: Number(values.sessions),
    concurrency: Number(values.concurrency),
    seed: Number(values.seed),
    faults: DEFAULT_FAULTS,
    transports: values.transports.split(",") as Array<"tcp4" | "udp4">,
    messageEnd: values["message-end"],
  };
  const f = options.faults;
  console.log(
    `soak: ${options.sessions} sessions per transport, ${options.concurrency} at a time, seed ${options.seed}; ` +
      `faults: delays up to ${f.maxDelayMs} ms, ${f.slice * 100}% of connections sliced, ${f.reset * 100}% reset, ` +
      `${f.drop * 100}% of datagrams dropped`,
  );
  const reports = await soak(options);
  for (const report of reports) console.log(describeReport(report));
  const lost = reports.some((r) => r.missing.length > 0 || r.duplicated.length > 0);
  console.log(lost ? "LOST OR DUPLICATED: see above" : "nothing lost, nothing duplicated");
  process.exitCode = lost ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
