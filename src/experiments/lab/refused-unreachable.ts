import { spawnSync } from "node:child_process";
import { mountTracefs, startStateTrace } from "../../wire/tracefs.js";
import type { Experiment, ExperimentContext } from "../experiment.js";
import { ask } from "./peer.js";
import { at, ipOf } from "./where.js";

/** Nothing in the server's namespace listens on these: it is the lab's, and only our peers run there. */
const PORT = { refused: 9, unreachable: 10, dropped: 11 } as const;
/** Long enough for the SYN's first retransmits (RFC 6298's initial RTO is 1 s). */
const CONNECT_TIMEOUT_S = 3.5;

const TCP =
  "nothing listening ECONNREFUSED, host unreachable EHOSTUNREACH, dropped SYN retransmitted, then ETIMEDOUT";
/** Since Linux 6.7 the first SYN retransmits wait 1 s each, not doubling (ip-sysctl.rst). */
const LINEAR = "/proc/sys/net/ipv4/tcp_syn_linear_timeouts";
const UDP = "connected ECONNREFUSED, unconnected silence";

export const labRefusedUnreachable: Experiment = {
  name: "lab-refused-unreachable",
  summary: "across two hosts: refused at once, unreachable, or silence and retransmits until the timeout",
  claim: {
    page: "connect(2)",
    section: "ERRORS",
    text: "ECONNREFUSED A connect() on a stream socket found no one listening on the remote address. … EHOSTUNREACH … ETIMEDOUT Timeout while attempting connection.",
  },
  steps: [
    "from the client host, connect to a port of the server host where nothing listens",
    "with the server's firewall answering that port with ICMP host unreachable (nftables reject), connect to it",
    `with the firewall dropping that port's packets, connect with a ${CONNECT_TIMEOUT_S} s timeout; count the SYN's retransmits (tcp:tcp_retransmit_skb)`,
    "UDP: send to a dead port from a connected socket, then from an unconnected one",
  ],
  expected: { tcp4: TCP, tcp6: TCP, udp4: UDP, udp6: UDP },
  notApplicable: "A unix socket crosses no link: see lab-unix-namespaces.",
  explain:
    "Nothing listening: the server host answers the SYN with a reset, and connect() fails at once with " +
    "ECONNREFUSED. A firewall that rejects with ICMP host unreachable makes it EHOSTUNREACH. A firewall " +
    "that drops says nothing: the client sends the SYN again after 1 s (RFC 6298's initial timeout), and " +
    "again, until its own timeout ends it — silence costs seconds where a refusal costs a round trip. " +
    "The back-off doubles each wait, except that since Linux 6.7 the first tcp_syn_linear_timeouts (4) " +
    "retransmits wait 1 s each; the evidence says which this kernel did. UDP has no handshake: the ICMP port unreachable for a dead port reaches only a " +
    "connected socket (udp(7)); an unconnected one hears nothing.",
  hosts: "two",
  needs: { python3: ["tcp4", "tcp6", "udp4", "udp6"] },
  async run(name, context) {
    return name.startsWith("tcp") ? tcpRun(name, context) : udpRun(name, context);
  },
};

async function tcpRun(name: "tcp4" | "tcp6" | "udp4" | "udp6" | string, context: ExperimentContext) {
  const lab = context.lab;
  if (!lab) throw new Error("no lab");
  const kind = name as "tcp4" | "tcp6";
  const server = ipOf(lab.server, kind);
  const dial = (port: number, seconds = 2) =>
    ask(context, lab.client, ["dial", kind, at(server, port), `${seconds}`], 10_000);
  const refused = await dial(PORT.refused);
  context.defer(lab.firewall({ port: PORT.unreachable, proto: "tcp", action: "unreachable" }));
  const unreachable = await dial(PORT.unreachable);
  context.defer(lab.firewall({ port: PORT.dropped, proto: "tcp", action: "drop" }));
  mountTracefs();
  const trace = startStateTrace(PORT.dropped);
  context.defer(() => trace.stop([]));
  const dropped = await dial(PORT.dropped, CONNECT_TIMEOUT_S);
  const retransmits = trace.stop(PORT.dropped).filter((e) => e.what === "retransmit");
  const gaps = retransmits
    .slice(1)
    .map((e, i) => ((e.monoUs - (retransmits[i]?.monoUs ?? 0)) / 1e6).toFixed(2));
  const linear = readSysctl(lab.inside(lab.client, "cat", [LINEAR]));
  const silence =
    retransmits.length > 0 ? `retransmitted, then ${dropped.errno}` : `${dropped.errno} with no retransmit`;
  return {
    outcome: `nothing listening ${refused.errno}, host unreachable ${unreachable.errno}, dropped SYN ${silence}`,
    evidence: [
      `python3 in ${lab.client.netns}: connect(${at(server, PORT.refused)}) → ${refused.errno} after ${refused.ms} ms`,
      `nftables in ${lab.server.netns}: tcp dport ${PORT.unreachable} reject with icmpx host-unreachable → ${unreachable.errno} after ${unreachable.ms} ms`,
      `nftables: tcp dport ${PORT.dropped} drop → ${dropped.errno} after ${dropped.ms} ms (timeout ${CONNECT_TIMEOUT_S} s)`,
      `tcp:tcp_retransmit_skb: ${retransmits.length} SYN retransmits${gaps.length ? `, then ${gaps.map((g) => `${g} s`).join(", ")} apart` : ""}`,
      linear === undefined
        ? "this kernel has no tcp_syn_linear_timeouts: each retransmit waits twice as long as the last"
        : `net.ipv4.tcp_syn_linear_timeouts = ${linear} in ${lab.client.netns}: the first ${linear} SYN retransmits wait 1 s each, the later ones double`,
    ],
  };
}

async function udpRun(name: string, context: ExperimentContext) {
  const lab = context.lab;
  if (!lab) throw new Error("no lab");
  const kind = name as "udp4" | "udp6";
  const dead = at(ipOf(lab.server, kind), PORT.refused);
  const connected = await ask(context, lab.client, ["dial", kind, dead, "1"]);
  const unconnected = await ask(context, lab.client, ["shout", kind, dead, "1"]);
  const said = (s: { errno?: string | null; outcome?: string | null }) => s.errno ?? s.outcome ?? "nothing";
  return {
    outcome: `connected ${said(connected)}, unconnected ${said(unconnected)}`,
    evidence: [
      `python3 in ${lab.client.netns}: connect(${dead}), send(), recv() → ${said(connected)} after ${connected.ms} ms`,
      `sendto(${dead}), recv() with a 1 s timeout → ${said(unconnected)}: the ICMP error is not reported to an unconnected socket`,
    ],
  };
}

/** A sysctl as the namespace sees it (they are per network namespace), or undefined where there is none. */
function readSysctl([command, args]: [string, string[]]): string | undefined {
  const read = spawnSync(command, args, { encoding: "utf8" });
  return read.status === 0 ? read.stdout.trim() : undefined;
}
