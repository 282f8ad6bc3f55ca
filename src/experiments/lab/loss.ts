import { playgroundIn, scriptIn } from "../../lab/remote.js";
import type { SessionLine } from "../../lab/sessions.js";
import { mountTracefs, startStateTrace } from "../../wire/tracefs.js";
import type { Experiment, ExperimentContext } from "../experiment.js";
import { labPeer, type PeerSays } from "./peer.js";
import { at, ipOf } from "./where.js";

/**
 * Percent lost each way. TCP's 200 KB at 5 % loses a few segments (about 8 retransmits a run here; a run
 * with none would be rare) without the back-off of repeated losses stretching it to seconds, as 20 %
 * did; UDP's 20 sessions of at least 4 datagrams at 20 % make a resend all but certain.
 */
const LOSS = { tcp: 5, udp: 20 } as const;
const BYTES = 200_000;
const DATAGRAMS = 200;
const SESSIONS = 20;

const TCP = "every byte delivered, lost segments retransmitted";
const UDP = "datagrams lost, our client's resends recovered sessions";

export const labLoss: Experiment = {
  name: "lab-loss",
  summary: "across a lossy link: TCP delivers every byte by retransmitting, UDP loses datagrams",
  claim: {
    page: "udp(7)",
    section: "DESCRIPTION",
    text: "UDP … implements a connectionless, unreliable datagram packet service. Packets may be reordered or duplicated before they arrive.",
  },
  steps: [
    `make each host drop ${LOSS.tcp} % (TCP) or ${LOSS.udp} % (UDP) of the packets arriving over the link (nftables numgen random)`,
    `TCP: send ${BYTES.toLocaleString("en")} bytes from the client host and count what arrives; count retransmits (tcp:tcp_retransmit_skb)`,
    `UDP: send ${DATAGRAMS} datagrams and count what arrives; then ${SESSIONS} sessions of the playground's client, which resends`,
  ],
  expected: { tcp4: TCP, tcp6: TCP, udp4: UDP, udp6: UDP },
  notApplicable: "A unix socket crosses no link, and loses nothing: see lab-unix-namespaces.",
  explain:
    "tcp(7) promises a reliable stream: the kernel numbers every byte, and a segment that is not " +
    "acknowledged is sent again, so every byte arrives, later. UDP promises nothing: a datagram the link " +
    "drops is gone, and only the application can ask again — the playground's client resends its hello " +
    "and its message when no reply comes, up to --retries times, which recovers most sessions, and times " +
    "out the rest.",
  hosts: "two",
  needs: { python3: ["tcp4", "tcp6", "udp4", "udp6"] },
  async run(name, context) {
    const lab = context.lab;
    if (!lab) throw new Error("no lab");
    lab.setLoss(name.startsWith("tcp") ? LOSS.tcp : LOSS.udp);
    context.defer(() => lab.setLoss(lab.conditions.loss ?? 0));
    return name.startsWith("tcp") ? tcpRun(name, context) : udpRun(name, context);
  },
};

async function tcpRun(name: string, context: ExperimentContext) {
  const lab = context.lab as NonNullable<ExperimentContext["lab"]>;
  const kind = name as "tcp4";
  const sink = labPeer(context, lab.server, ["sink", kind, at(ipOf(lab.server, kind), 0)]);
  const port = (await sink.json<PeerSays>()).bound as number;
  mountTracefs();
  const trace = startStateTrace(port);
  context.defer(() => trace.stop([]));
  const source = labPeer(context, lab.client, ["source", kind, at(ipOf(lab.server, kind), port), `${BYTES}`]);
  const received = await sink.json<PeerSays>(12_000);
  const sent = await source.json<PeerSays>(12_000);
  const retransmits = trace.stop(port).filter((e) => e.what === "retransmit").length;
  const whole = received.bytes === sent.sent;
  return {
    outcome: `${whole ? "every byte delivered" : `${received.bytes} of ${sent.sent} bytes delivered`}, ${retransmits > 0 ? "lost segments retransmitted" : "no retransmit"}`,
    evidence: [
      `python3 in ${lab.client.netns} sent ${sent.sent} bytes; python3 in ${lab.server.netns} received ${received.bytes} before EOF`,
      `tcp:tcp_retransmit_skb: ${retransmits} segments sent again (either host)`,
    ],
  };
}

async function udpRun(name: string, context: ExperimentContext) {
  const lab = context.lab as NonNullable<ExperimentContext["lab"]>;
  const kind = name as "udp4";
  const serverIp = ipOf(lab.server, kind);
  const sink = labPeer(context, lab.server, ["sink", kind, at(serverIp, 0)]);
  const port = (await sink.json<PeerSays>()).bound as number;
  labPeer(context, lab.client, ["source", kind, at(serverIp, port), `${DATAGRAMS}`]);
  const arrived = (await sink.json<PeerSays>(10_000)).datagrams ?? 0;
  // The playground's own server and client: the client resends what got no reply.
  const server = playgroundIn(lab, lab.server, [
    "server",
    `--transport=${kind}`,
    "--json",
    `--host=${serverIp}`,
    "--port=0",
  ]);
  context.defer(() => server.stop("SIGKILL"));
  const bound = await server.until((r) => r.side === "server" && r.call === "bind" && !r.errno);
  const load = scriptIn(lab, lab.client, "sessions", [
    kind,
    bound.local as string,
    `${SESSIONS}`,
    `${SESSIONS}`,
    "5",
    "3",
  ]);
  context.defer(() => load.stop("SIGKILL"));
  await load.exited;
  const sessions = load.records.filter((r) => typeof r.ok === "boolean") as unknown as SessionLine[];
  const completed = sessions.filter((s) => s.ok).length;
  const resends = sessions.reduce((sum, s) => sum + s.resends, 0);
  const lost = arrived < DATAGRAMS ? "datagrams lost" : "no datagram lost";
  const recovered =
    resends > 0 && completed > 0
      ? "our client's resends recovered sessions"
      : `${resends} resends, ${completed} sessions completed`;
  return {
    outcome: `${lost}, ${recovered}`,
    evidence: [
      `python3 sent ${DATAGRAMS} datagrams from ${lab.client.netns}; ${arrived} arrived in ${lab.server.netns}`,
      `the playground's client, ${SESSIONS} sessions: ${completed} completed, ${SESSIONS - completed} timed out, ${resends} datagrams resent`,
    ],
  };
}
