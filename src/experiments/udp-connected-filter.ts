import type { Experiment } from "./experiment.js";
import { bindDatagram, datagramTransport } from "./sockets.js";
import { inboxOf, sendText } from "./steps-connect.js";

export const udpConnectedFilter: Experiment = {
  name: "udp-connected-filter",
  summary: "a connect()ed UDP socket receives only from its peer; a third socket's datagram is dropped",
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
  ],
  expected: { udp4: "only the peer's arrives", udp6: "only the peer's arrives" },
  notApplicable:
    "TCP and unix streams have exactly one peer by construction. unix-dgram obeys the same rule in the " +
    "kernel, but node-unix-socket has no connect() for datagram sockets, so the playground cannot set a peer.",
  explain:
    "connect() on a datagram socket sends nothing: it records the peer, and from then on the kernel drops " +
    "every datagram to this socket from any other address, without telling anyone. The stranger's send() " +
    "succeeded all the same.",
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
    const outcome =
      fromPeer && !fromStranger ? "only the peer's arrives" : fromPeer ? "both arrive" : "the peer's is lost";
    return {
      outcome,
      evidence: [
        `client ${client.local} connected to peer ${peer.local}; received: ${inbox.texts.map((t) => `"${t}"`).join(", ") || "nothing"}`,
        `stranger ${stranger.local}: send() succeeded, datagram ${fromStranger ? "delivered" : "dropped"}`,
      ],
    };
  },
};
