import dgram from "node:dgram";
import { formatInet, parseInet } from "../transports/address.js";
import type { Experiment } from "./experiment.js";
import { sendText, TracedUdpSocket, udpType } from "./kit/index.js";
import { bindDatagram } from "./sockets.js";

export const dgramDisconnect: Experiment = {
  name: "dgram-disconnect",
  summary: "connect() with AF_UNSPEC (Node's disconnect()) lifts a UDP socket's peer filter",
  claim: {
    page: "connect(2)",
    section: "DESCRIPTION",
    text:
      "Some protocol sockets (e.g., TCP sockets as well as datagram sockets in the UNIX and Internet " +
      "domains) may dissolve the association by connecting to an address with the sa_family member of " +
      "sockaddr set to AF_UNSPEC; thereafter, the socket can be connected to another address.",
  },
  steps: [
    "bind a peer and a stranger on loopback",
    "bind a client to a port of its own choosing, and connect() it to the peer",
    'the stranger sends "before" to the client, then the peer sends "from the peer"',
    'disconnect() the client (connect() with AF_UNSPEC); the stranger sends "after"',
    "for comparison: connect() a socket that was never bound, and disconnect() it",
  ],
  expected: { udp4: "dropped, then received", udp6: "dropped, then received" },
  notApplicable:
    "A TCP socket can be disconnected in the kernel, but Node has no call for it, and a stream socket is " +
    "gone once closed. unix-dgram: the playground's unix-dgram transport never connect()s its sockets.",
  explain:
    "While connected, the kernel drops the stranger's datagram; after the AF_UNSPEC connect() the socket " +
    "takes datagrams from anyone again. The client bound its port itself on purpose: a port that connect() " +
    "chose is given back on disconnect, leaving the socket with no port at all, so nothing could reach it " +
    "until it sent or bound again.",
  async run(name, context) {
    const type = udpType(name);
    const peer = await bindDatagram(name, context);
    const stranger = await bindDatagram(name, context);
    const client = new TracedUdpSocket(context, type, "client");
    // A nonzero port in bind() makes it the socket's own: disconnect() keeps it.
    await client.bind(await freeAddress(type, context.address()));
    await client.connect(peer.local);
    const inbox = client.inbox;
    await sendText(context, "server", stranger, "before", client.local());
    await sendText(context, "server", peer, "from the peer", client.local());
    // Loopback delivers in order: once the peer's datagram is here, the stranger's would be too.
    await inbox.until(() => inbox.has("from the peer"), 500);
    const before = inbox.has("before");
    client.disconnect();
    await sendText(context, "server", stranger, "after", client.local());
    const after = await inbox.until(() => inbox.has("after"), 500);

    const autobound = new TracedUdpSocket(context, type, "client");
    await autobound.connect(peer.local);
    const chosen = autobound.local();
    autobound.disconnect();
    return {
      outcome: `${before ? "received" : "dropped"}, then ${after ? "received" : "dropped"}`,
      evidence: [
        `client ${client.local()} connected to ${peer.local}: the stranger's "before" ${before ? "arrived" : "was dropped"}; after disconnect() its "after" ${after ? "arrived" : "did not"}`,
        `a socket that connect() bound to ${chosen} is ${autobound.local() || "unbound"} after disconnect()`,
      ],
    };
  },
};

/** `address` with a port no one holds right now, found by binding port 0 and letting it go again. */
function freeAddress(type: "udp4" | "udp6", address: string): Promise<string> {
  const { host } = parseInet(address);
  const probe = dgram.createSocket(type);
  return new Promise((resolve, reject) => {
    probe.once("error", reject);
    probe.bind({ address: host, port: 0 }, () => {
      const { port } = probe.address();
      probe.close(() => resolve(formatInet(host, port)));
    });
  });
}
