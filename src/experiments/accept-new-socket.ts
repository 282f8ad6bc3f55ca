import type { Connection } from "../transports/transport.js";
import type { Experiment } from "./experiment.js";
import { listenQueue, portOf, ss, watch } from "./kit/index.js";
import { dial, sleep } from "./sockets.js";

const CLIENTS = ["A", "B", "C"];

export const acceptNewSocket: Experiment = {
  name: "accept-new-socket",
  summary: "accept() gives each connection a socket of its own; the listening socket goes on listening",
  claim: {
    page: "accept(2)",
    section: "DESCRIPTION",
    text:
      "It extracts the first connection request on the queue of pending connections for the listening " +
      "socket, sockfd, creates a new connected socket, and returns a new file descriptor referring to " +
      "that socket. The newly created socket is not in the listening state. The original socket sockfd " +
      "is unaffected by this call.",
  },
  steps: [
    "listen, and connect two clients, A and B",
    'each client sends its name; see which accepted socket reads "A" and which "B"',
    "connect a third client, C, after both were accepted",
    "list the sockets at the listening address with ss",
  ],
  expected: {
    tcp4: "a new socket each, listener unchanged",
    tcp6: "a new socket each, listener unchanged",
    "unix-stream": "a new socket each, listener unchanged",
    "unix-seqpacket": "a new socket each, listener unchanged",
  },
  notApplicable: "A datagram socket has no accept(): one socket receives from every peer.",
  explain:
    "Each accept() returned a fresh socket joined to one client, so what A sent reached only A's socket. " +
    "The listening socket itself never carries data: it stayed in LISTEN and accepted C just as it had A " +
    "and B. On TCP every accepted socket has the listener's address and port, and only the peer's " +
    "ephemeral port tells them apart.",
  async run(name, context) {
    const { listener, accepted } = await listenQueue(name, context);
    const sessions: { server: Connection; read: string[] }[] = [];
    for (const label of CLIENTS) {
      const client = await dial(name, context, listener.address);
      const server = await accepted();
      const session = sessions.length + 1;
      const { local, remote } = server;
      context.trace({
        side: "server",
        call: "accept",
        inferred: true,
        via: "'connection' event",
        session,
        local,
        remote,
      });
      const read = watch(server).seen;
      await client.write(Buffer.from(label));
      sessions.push({ server, read });
    }
    for (let waited = 0; sessions.some((s) => s.read.length === 0) && waited < 500; waited += 5)
      await sleep(5);

    const own = sessions.every((s, i) => s.read.join("") === JSON.stringify(CLIENTS[i]));
    const inet = !name.startsWith("unix");
    const port = inet ? portOf(listener.address) : 0;
    const peers = new Set(sessions.map((s) => s.server.remote));
    const apart = inet
      ? peers.size === CLIENTS.length && !sessions.some((s) => portOf(s.server.remote) === port)
      : true;
    const sockets = inet
      ? await ss(["-tan", `( sport = :${port} )`])
      : await ss(["-xa", "src", listener.address]);
    return {
      outcome:
        own && apart
          ? "a new socket each, listener unchanged"
          : `${own ? "" : "data crossed sockets; "}${apart ? "" : "peers not told apart"}`,
      evidence: [
        sessions
          .map(
            (s, i) =>
              `session ${i + 1}: ${s.server.local} ← ${s.server.remote || "(unnamed peer)"} read ${s.read.join(" ") || "nothing"}`,
          )
          .join("; "),
        // The listening socket first, then one connected socket per session, all at the same address.
        ...sockets
          .sort((a, b) => Number(b.includes("LISTEN")) - Number(a.includes("LISTEN")))
          .map((line) => `ss: ${line}`),
      ],
    };
  },
};
