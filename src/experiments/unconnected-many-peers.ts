import type { DatagramSocket } from "../transports/transport.js";
import type { Experiment } from "./experiment.js";
import { traceSend } from "./kit/index.js";
import { bindDatagram, sleep } from "./sockets.js";

const PEERS = ["A", "B"];
const PATIENCE_MS = 500;

export const unconnectedManyPeers: Experiment = {
  name: "unconnected-many-peers",
  summary: "one unconnected datagram socket talks to two peers and learns who sent each reply",
  claim: {
    page: "udp(7)",
    section: "DESCRIPTION",
    text:
      "When a UDP socket is created, its local and remote addresses are unspecified. Datagrams can be " +
      "sent immediately using sendto(2) or sendmsg(2) with a valid destination address as an argument.",
  },
  steps: [
    `bind two peers, ${PEERS.join(" and ")}, that answer whoever writes to them`,
    "bind one more socket, connect() it nowhere, and sendto() each peer in turn",
    "see which replies arrive, and the sender address recvfrom() gives with each",
  ],
  expected: {
    udp4: "both replies, each from its peer",
    udp6: "both replies, each from its peer",
    "unix-dgram": "both replies, each from its peer",
  },
  notApplicable:
    "A connection-oriented socket has exactly one peer, fixed by connect() or accept(); to reach two it " +
    "needs two sockets.",
  explain:
    "A datagram socket that is not connected names the destination in every sendto() and takes datagrams " +
    "from anyone, so one socket served both conversations, and recvfrom() said which peer each reply came " +
    "from. A unix datagram socket can only be answered if it has bound a name: unbound, its peers see an " +
    "empty sender address and have nowhere to reply.",
  async run(name, context) {
    const peers: DatagramSocket[] = [];
    for (const label of PEERS) {
      const peer = await bindDatagram(name, context, context.address(label.toLowerCase()));
      peer.setHandlers({
        message: (data, from) => {
          const reply = Buffer.from(`${label} got "${data}"`);
          void peer.send(reply, from).then(() => {
            traceSend(context, {
              side: "server",
              call: "sendto",
              via: "socket.send()",
              data: reply,
            });
          });
        },
        error: () => {},
      });
      peers.push(peer);
    }
    const one = await bindDatagram(name, context, context.address("one"));
    const replies: { from: string; text: string }[] = [];
    one.setHandlers({ message: (data, from) => replies.push({ from, text: `${data}` }), error: () => {} });
    for (const [i, peer] of peers.entries()) {
      const data = Buffer.from(`hello ${PEERS[i]}`);
      await one.send(data, peer.local);
      traceSend(context, { side: "client", call: "sendto", via: "socket.send()", data });
    }
    for (let waited = 0; replies.length < peers.length && waited < PATIENCE_MS; waited += 5) await sleep(5);

    const fromItsPeer = peers.every((peer, i) =>
      replies.some((r) => r.from === peer.local && r.text.startsWith(`${PEERS[i]} got`)),
    );
    return {
      outcome:
        replies.length === peers.length && fromItsPeer
          ? "both replies, each from its peer"
          : `${replies.length} of ${peers.length} replies${fromItsPeer ? "" : ", senders mixed up"}`,
      evidence: [
        `one socket at ${one.local} (connected: ${one.connected}) sent to ${peers.map((p) => p.local).join(" and ")}`,
        ...replies.map((r) => `recvfrom(): '${r.text}' from ${r.from || "(unnamed)"}`),
      ],
    };
  },
};
