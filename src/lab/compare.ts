// `playground compare --hosts two`: the inet transports side by side across the lab's link, under the
// same conditions (--loss, --mtu, --firewall). Per transport, a server in the server host and SESSIONS
// sessions of our client from the client host (sessions.ts): how many completed, what the losses cost
// — TCP's retransmits, counted by the kernel's tcp:tcp_retransmit_skb tracepoint; UDP's resends, our
// client's own — and the session time at p50 and p99. Unix transports cross no link, and are refused.

import { percentile } from "../compare/percentile.js";
import { UsageError } from "../errors.js";
import { notInterrupted } from "../leftovers.js";
import { factsOf } from "../transports/facts.js";
import type { TransportName } from "../transports/transport.js";
import { mountTracefs, startStateTrace, whyNoStates } from "../wire/tracefs.js";
import { conditionsText, type FirewallAction, type LinkConditions } from "./conditions.js";
import { type Lab, makeLab } from "./lab.js";
import { playgroundIn, scriptIn } from "./remote.js";
import type { SessionLine } from "./sessions.js";

/** Sessions per transport, and how many at once: enough for a p99 to mean the slow tail. */
export const SESSIONS = 100;
const CONCURRENCY = 20;
/** Our client's own defaults (flags/shared.ts): 5 s per session, a datagram sent up to 4 times. */
const CLIENT_TIMEOUT_S = 5;
const CLIENT_RETRIES = 3;

export interface LabRow {
  transport: TransportName;
  sessions: number;
  completed: number;
  /** TCP: segments the kernel sent again (either host); undefined for UDP, or without the tracepoint. */
  retransmits?: number;
  /** UDP: datagrams our client sent again; undefined for TCP, which never resends by itself. */
  resends?: number;
  p50Ms: number;
  p99Ms: number;
  /** The first failure, as the client said it. */
  firstError?: string;
}

export interface LabComparison {
  date: string;
  hosts: { server: string; client: string };
  link: string;
  conditions: LinkConditions & { firewall?: FirewallAction };
  sessionsPerTransport: number;
  rows: LabRow[];
}

export async function compareAcross(
  names: readonly TransportName[],
  conditions: LinkConditions,
  firewall: FirewallAction | undefined,
  step: (name: TransportName) => void,
): Promise<LabComparison> {
  const unix = names.filter((name) => factsOf(name).family === "unix");
  if (unix.length > 0) {
    throw new UsageError(
      `compare --hosts two compares the transports that cross the link, and ${unix.join(", ")} ${unix.length === 1 ? "sends" : "send"} no packet on it — leave ${unix.length === 1 ? "it" : "them"} out: --transport tcp4,tcp6,udp4,udp6`,
    );
  }
  const lab = makeLab(conditions);
  if (!whyNoStates()) mountTracefs();
  // The transports at once, each on its own port (the tracepoint filters by it): the slow tail of one
  // transport's sessions is mostly waiting, and waiting in parallel costs no more than once.
  const rows = await Promise.all(
    names.map(async (name) => {
      step(name);
      return compareOne(lab, name, firewall);
    }),
  );
  await notInterrupted();
  lab.remove();
  return {
    date: new Date().toISOString(),
    hosts: {
      server: `${lab.server.netns} (${lab.server.ipv4}, ${lab.server.ipv6})`,
      client: `${lab.client.netns} (${lab.client.ipv4}, ${lab.client.ipv6})`,
    },
    link: `veth, ${conditionsText(conditions, firewall)}`,
    conditions: { ...conditions, ...(firewall ? { firewall } : {}) },
    sessionsPerTransport: SESSIONS,
    rows,
  };
}

async function compareOne(lab: Lab, name: TransportName, firewall?: FirewallAction): Promise<LabRow> {
  const facts = factsOf(name);
  const ip = facts.family === "inet6" ? lab.server.ipv6 : lab.server.ipv4;
  const server = playgroundIn(lab, lab.server, [
    "server",
    `--transport=${name}`,
    "--json",
    `--host=${ip}`,
    "--port=0",
    "--drain-timeout=1",
  ]);
  try {
    const bound = await server.until((r) => r.side === "server" && r.call === "bind" && !r.errno);
    const address = bound.local as string;
    const port = Number(address.slice(address.lastIndexOf(":") + 1));
    const proto = facts.type === "stream" ? "tcp" : "udp";
    const unguard = firewall ? lab.firewall({ port, proto, action: firewall }) : undefined;
    const tcp = proto === "tcp" && !whyNoStates() ? startStateTrace(port) : undefined;
    const load = scriptIn(lab, lab.client, "sessions", [
      name,
      address,
      `${SESSIONS}`,
      `${CONCURRENCY}`,
      `${CLIENT_TIMEOUT_S}`,
      `${CLIENT_RETRIES}`,
    ]);
    const done = await load.exited;
    const retransmits = tcp?.stop(port).filter((e) => e.what === "retransmit").length;
    unguard?.();
    const lines = load.records.filter((r) => typeof r.ok === "boolean") as unknown as SessionLine[];
    if (lines.length === 0)
      throw new Error(`the sessions on ${name} did not run: ${done.stderr.trim().split("\n")[0] ?? ""}`);
    const times = lines.filter((l) => l.ok).map((l) => l.ms);
    const failed = lines.find((l) => !l.ok);
    return {
      transport: name,
      sessions: lines.length,
      completed: times.length,
      ...(proto === "tcp"
        ? retransmits === undefined
          ? {}
          : { retransmits }
        : { resends: lines.reduce((sum, l) => sum + l.resends, 0) }),
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      ...(failed?.error ? { firstError: failed.error } : {}),
    };
  } finally {
    await server.stop("SIGTERM");
  }
}

/** The table: a row per transport, the numbers right-aligned. */
export function renderLabText(c: LabComparison, markdown = false): string {
  const head = ["transport", "completed", "TCP retransmits", "UDP resends", "p50 session", "p99 session"];
  const ms = (v: number) => (Number.isNaN(v) ? "—" : `${v.toFixed(1)} ms`);
  const rows = c.rows.map((r) => [
    r.transport,
    `${r.completed}/${r.sessions}`,
    r.retransmits === undefined ? "—" : `${r.retransmits}`,
    r.resends === undefined ? "—" : `${r.resends}`,
    ms(r.p50Ms),
    ms(r.p99Ms),
  ]);
  const intro = [
    `Two hosts: server ${c.hosts.server}, client ${c.hosts.client}; link: ${c.link}.`,
    `${c.sessionsPerTransport} sessions of the playground's client per transport, ${CONCURRENCY} at a time (each: ${CLIENT_TIMEOUT_S} s at most, a datagram sent up to ${CLIENT_RETRIES + 1} times).`,
  ];
  const failures = c.rows
    .filter((r) => r.firstError)
    .map((r) => `${r.transport}: first failure: ${r.firstError}`);
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [
      ...intro,
      "",
      line(head),
      line(head.map((_, i) => (i === 0 ? "---" : "---:"))),
      ...rows.map(line),
      ...(failures.length ? ["", ...failures] : []),
    ].join("\n");
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [
    ...intro,
    "",
    line(head),
    line(widths.map((w) => "─".repeat(w))),
    ...rows.map(line),
    ...(failures.length ? ["", ...failures] : []),
  ].join("\n");
}
