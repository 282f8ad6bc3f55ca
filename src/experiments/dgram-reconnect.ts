import { parseInet } from "../transports/address.js";
import type { Experiment } from "./experiment.js";
import { sendText, TracedUdpSocket, udpType } from "./kit/index.js";
import { bindDatagram } from "./sockets.js";

export const dgramReconnect: Experiment = {
  name: "dgram-reconnect",
  summary: "connect() a UDP socket to A, then to B: from then on only B's datagrams arrive",
  claim: {
    page: "connect(2)",
    section: "DESCRIPTION",
    text:
      "Some protocol sockets (e.g., datagram sockets in the UNIX and Internet domains) may use connect() " +
      "multiple times to change their association.",
  },
  steps: [
    "bind two peers, A and B, on loopback",
    "connect() a client socket to A",
    "connect() it to B: Node wants disconnect() first, then connect()",
    'A sends "from A" to the client, then B sends "from B"',
  ],
  expected: { udp4: "only B's arrives", udp6: "only B's arrives" },
  notApplicable:
    "A stream socket connects once (see stream-connect-twice). unix-dgram can change its peer in the " +
    "kernel too, but the playground's unix-dgram transport never connect()s its sockets.",
  explain:
    "A datagram socket's peer is just a filter and a default destination, so it can be changed: after the " +
    "second connect() the kernel drops A's datagrams as it would any stranger's. Node refuses connect() on " +
    "a connected socket, so it dissolves the old association first (connect() with AF_UNSPEC); because the " +
    "port was chosen by the kernel, that also gives the port back, and the new connect() picks another.",
  async run(name, context) {
    const a = await bindDatagram(name, context);
    const b = await bindDatagram(name, context);
    const client = new TracedUdpSocket(context, udpType(name), "client");
    await client.connect(a.local);
    const before = client.local();
    let refused = "nothing";
    try {
      const { host, port } = parseInet(b.local);
      client.socket.connect(port, host); // the kernel would take it; Node does not let it through
    } catch (err) {
      refused = (err as { code?: string }).code ?? String(err);
    }
    client.disconnect();
    await client.connect(b.local);
    const after = client.local();
    await sendText(context, "server", a, "from A", after);
    await sendText(context, "server", b, "from B", after);
    const inbox = client.inbox;
    // Loopback delivers in order: once B's datagram is here, A's would be too.
    await inbox.until(() => inbox.has("from B"), 500);
    const [fromA, fromB] = [inbox.has("from A"), inbox.has("from B")];
    return {
      outcome: fromB && !fromA ? "only B's arrives" : fromB ? "both arrive" : "B's is lost",
      evidence: [
        `client connected to A ${a.local} from ${before}; connect(B) on it: Node threw ${refused}`,
        `after disconnect() and connect(B ${b.local}) the client is ${after}; received: ${inbox.texts.map((t) => `"${t}"`).join(", ") || "nothing"}`,
      ],
    };
  },
};
