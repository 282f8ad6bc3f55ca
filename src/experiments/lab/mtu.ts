import { captureLink } from "../../lab/tcpdump.js";
import type { Experiment, ExperimentContext } from "../experiment.js";
import { ask, labPeer, type PeerSays } from "./peer.js";
import { at, ipOf, isV6 } from "./where.js";

const MTU = 1280;
/** Bigger than the path takes in one packet, on either family. */
const DATAGRAM = 2000;
/** The largest UDP payload: 65,535 less the UDP header (8) and, for IPv4, its header (20). */
const MAX_UDP = { v4: 65_507, v6: 65_527 } as const;

const udp = (max: number) => `${DATAGRAM} B sent as 2 fragments, received whole; ${max + 1} B EMSGSIZE`;

export const labMtu: Experiment = {
  name: "lab-mtu",
  summary: `across a link with MTU ${MTU}: UDP's sender fragments, TCP's MSS follows the MTU, 65,508 B fails whole`,
  claim: {
    page: "udp(7)",
    section: "DESCRIPTION",
    text: "By default, Linux UDP does path MTU (Maximum Transmission Unit) discovery. … If a packet larger than the known path MTU is sent, it is fragmented. … EMSGSIZE … the datagram is bigger than an IP packet can hold.",
  },
  steps: [
    `set the link's MTU to ${MTU} on both veth ends (ip link set mtu)`,
    `UDP: send one ${DATAGRAM}-byte datagram from the client host; tcpdump on the server host's end counts its packets; the server reads it`,
    "UDP: send a datagram one byte over the largest UDP payload",
    "TCP: connect, and read the MSS in the SYN's options (tcpdump)",
  ],
  expected: {
    udp4: udp(MAX_UDP.v4),
    udp6: udp(MAX_UDP.v6),
    tcp4: `SYN's MSS ${MTU - 40}`,
    tcp6: `SYN's MSS ${MTU - 60}`,
  },
  notApplicable: "A unix socket has no link and no MTU.",
  explain:
    `With MTU ${MTU}, a ${DATAGRAM}-byte datagram does not fit one packet: IPv4 cuts it into fragments, and ` +
    "IPv6 — where routers never fragment — has the sending host add a fragment header and cut it itself " +
    "(RFC 8200); the receiving kernel puts it together, and recv() sees one datagram, whole. A datagram over " +
    "the largest UDP payload cannot be sent at all: send() fails with EMSGSIZE, nothing goes out. TCP never " +
    "needs fragments: its SYN announces an MSS of the MTU less the IP and TCP headers (40 B on IPv4, 60 on " +
    "IPv6), and segments stay below it.",
  hosts: "two",
  needs: { python3: ["tcp4", "tcp6", "udp4", "udp6"] },
  async run(name, context) {
    const lab = context.lab;
    if (!lab) throw new Error("no lab");
    lab.setMtu(MTU);
    context.defer(() => lab.setMtu(lab.conditions.mtu ?? 1500));
    return name.startsWith("udp") ? udpRun(name, context) : tcpRun(name, context);
  },
};

async function udpRun(name: string, context: ExperimentContext) {
  const lab = context.lab as NonNullable<ExperimentContext["lab"]>;
  const kind = name as "udp4";
  const server = labPeer(context, lab.server, ["serve", kind, at(ipOf(lab.server, kind), 0)]);
  const port = (await server.json<PeerSays>()).bound as number;
  const to = at(ipOf(lab.server, kind), port);
  const v6 = isV6(kind);
  const wire = await captureLink(
    lab,
    lab.server,
    `${v6 ? "ip6" : "ip"} src host ${ipOf(lab.client, kind)} and not icmp6`,
  );
  const sent = await ask(context, lab.client, ["send", kind, to, `${DATAGRAM}`]);
  const received = await server.json<PeerSays>();
  const packets = await wire.stop();
  const max = v6 ? MAX_UDP.v6 : MAX_UDP.v4;
  const tooBig = await ask(context, lab.client, ["send", kind, to, `${max + 1}`]);
  const whole = received.received === sent.sent ? "received whole" : `received ${received.received} B`;
  return {
    outcome: `${sent.sent} B sent as ${packets.length} fragments, ${whole}; ${max + 1} B ${tooBig.errno ?? `sent (${tooBig.sent} B)`}`,
    evidence: [
      ...packets.map((p) => `tcpdump in ${lab.server.netns}: ${p}`),
      `python3 in ${lab.server.netns}: recv() → ${received.received} B`,
      `send(${max + 1} B) → ${tooBig.errno ?? tooBig.sent}`,
    ],
  };
}

async function tcpRun(name: string, context: ExperimentContext) {
  const lab = context.lab as NonNullable<ExperimentContext["lab"]>;
  const kind = name as "tcp4";
  const server = labPeer(context, lab.server, ["serve", kind, at(ipOf(lab.server, kind), 0)]);
  const port = (await server.json<PeerSays>()).bound as number;
  const wire = await captureLink(lab, lab.server, `tcp and src host ${ipOf(lab.client, kind)}`);
  const dialled = await ask(context, lab.client, ["dial", kind, at(ipOf(lab.server, kind), port), "2"]);
  const packets = await wire.stop();
  const syn = packets.find((p) => /Flags \[S\]/.test(p));
  const mss = /mss (\d+)/.exec(syn ?? "")?.[1];
  return {
    outcome: mss ? `SYN's MSS ${mss}` : "no SYN seen",
    evidence: [
      `tcpdump in ${lab.server.netns}: ${syn ?? "(no SYN)"}`,
      `the session: ${dialled.outcome ?? dialled.errno}`,
    ],
  };
}
