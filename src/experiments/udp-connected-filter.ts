import type { Experiment } from "./experiment.js";
import { inboxOf, sendText } from "./kit/index.js";
import { bindDatagram, datagramTransport } from "./sockets.js";

export const udpConnectedFilter: Experiment = {
  name: "udp-connected-filter",
  summary:
    "a connect()ed UDP socket receives only from its peer; a stranger's datagram is dropped and answered " +
    "with ICMP port unreachable",
  claim: {
    page: "connect(2)",
    section: "DESCRIPTION",
    text:
      "If the socket sockfd is of type SOCK_DGRAM, then addr is the address to which datagrams are sent " +
      "by default, and the only address from which datagrams are received.",
  },
  steps: [
    "bind a peer and a stranger on loopback",
    "connect() a third socket, the client, to the peer",
    'the stranger sends "from the stranger" to the client, then the peer sends "from the peer"',
    "see which of the two the client receives",
    "a second stranger, connect()ed to the client, sends to it and waits: does it hear back?",
  ],
  expected: {
    udp4: "only the peer's arrives; a connected stranger gets ECONNREFUSED",
    udp6: "only the peer's arrives; a connected stranger gets ECONNREFUSED",
  },
  notApplicable:
    "TCP and unix streams have exactly one peer by construction. unix-dgram obeys the same rule in the " +
    "kernel, but the playground's unix-dgram transport never connect()s its sockets, so it sets no peer.",
  explain:
    "connect() on a datagram socket sends nothing: it records the peer, and from then on the kernel takes " +
    "no datagram to this socket from any other address. It treats the stranger's datagram as one to a " +
    "port nobody listens on and answers with ICMP port unreachable: an unconnected stranger is not told " +
    "(its send() succeeded; Linux reports ICMP errors to unconnected UDP sockets only with IP_RECVERR), " +
    "but a connect()ed stranger's next call fails with ECONNREFUSED.",
  async run(name, context) {
    const peer = await bindDatagram(name, context);
    const stranger = await bindDatagram(name, context);
    const client = await (await datagramTransport(name)).open(peer.local, context.trace);
    context.defer(() => client.close());
    const inbox = inboxOf(client, context, "client");
    await sendText(context, "server", stranger, "from the stranger", client.local);
    await sendText(context, "server", peer, "from the peer", client.local);
    // Loopback delivers in order: once the peer's datagram is here, the stranger's would be too.
    await inbox.until(() => inbox.has("from the peer"), 500);
    const [fromPeer, fromStranger] = [inbox.has("from the peer"), inbox.has("from the stranger")];
    const filtered =
      fromPeer && !fromStranger ? "only the peer's arrives" : fromPeer ? "both arrive" : "the peer's is lost";

    // The kernel answers the dropped datagram with ICMP port unreachable: a stranger connect()ed to
    // the client hears of it as a pending error on its socket.
    const connectedStranger = await (await datagramTransport(name)).open(client.local, context.trace);
    context.defer(() => connectedStranger.close());
    const told = inboxOf(connectedStranger, context, "server");
    await sendText(context, "server", connectedStranger, "from a connected stranger", client.local);
    await told.until(() => told.errors.length > 0, 500);
    const heard = told.errors[0] ?? "nothing";
    return {
      outcome: `${filtered}; a connected stranger gets ${heard}`,
      evidence: [
        `client ${client.local} connected to peer ${peer.local}; received: ${inbox.texts.map((t) => `"${t}"`).join(", ") || "nothing"}`,
        `stranger ${stranger.local} (unconnected): send() succeeded, datagram ${fromStranger ? "delivered" : "dropped"}, no error`,
        `stranger ${connectedStranger.local} connected to the client: send() succeeded; then ${heard === "nothing" ? "nothing within 500 ms" : `'error' ${heard}: the kernel's ICMP port unreachable`}`,
      ],
    };
  },
};
