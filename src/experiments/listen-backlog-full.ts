import net from "node:net";
import { formatInet, parseInet } from "../transports/address.js";
import type { Experiment, ExperimentContext } from "./experiment.js";
import { portOf, ss, startChild, traceChild } from "./kit/index.js";

const BACKLOG = 1;
const CLIENTS = 4;
/** Long enough for a loopback handshake many times over; far short of TCP's first SYN retry (1 s). */
const PATIENCE_MS = 250;
/**
 * With the wire captured, long enough for the kernel to send a waiting client's SYN again: the first
 * retransmission comes after the initial RTO of 1 s (RFC 6298 §2.1, tcp(7)).
 */
const PATIENCE_CAPTURED_MS = 1300;

// The server: Node accepts as soon as a connection is queued, so it is frozen with SIGSTOP once it
// listens; a stopped process never calls accept() and the queue stays as the clients leave it.
const SERVER = `
const net = require("node:net");
const [host, port, path] = process.argv.slice(1);
const server = net.createServer();
const where = path ? { path } : { host, port: Number(port), ipv6Only: host.includes(":") };
server.listen({ ...where, backlog: ${BACKLOG} }, () => console.log(JSON.stringify(server.address())));
`;

export const listenBacklogFull: Experiment = {
  name: "listen-backlog-full",
  summary: "connect() to a listener whose accept queue is full: TCP ignores the SYN, unix says EAGAIN",
  claim: {
    page: "listen(2)",
    section: "DESCRIPTION",
    text:
      "If a connection request arrives when the queue is full, the client may receive an error with an " +
      "indication of ECONNREFUSED or, if the underlying protocol supports retransmission, the request " +
      "may be ignored so that a later reattempt at connection succeeds.",
  },
  steps: [
    `start a Node server in a child process with listen(backlog ${BACKLOG}), then freeze it with SIGSTOP`,
    `connect ${CLIENTS} clients at once; give each ${PATIENCE_MS} ms`,
    "count who connected, and look at the queue and the clients with ss",
  ],
  expected: {
    tcp4: "2 queued, rest ignored (SYN-SENT)",
    tcp6: "2 queued, rest ignored (SYN-SENT)",
    "unix-stream": "2 queued, rest EAGAIN",
  },
  notApplicable:
    "Datagram sockets have no listen() and no queue of connections. unix-seqpacket queues as unix-stream " +
    "does (its EAGAIN is in the playground's own tests), but this experiment's frozen server is a " +
    "node:net child, which has no seqpacket socket, so it is left out.",
  explain:
    "The server never called accept(), so connections piled up in its queue; Linux lets one more in than " +
    "the backlog says (it refuses only when the queue is longer than the backlog). TCP then drops the SYN " +
    "and leaves the client in SYN-SENT to retry in a second, as the page allows; a unix connect() cannot " +
    "be retried by the kernel and fails at once with EAGAIN, not the ECONNREFUSED the page suggests.",
  async run(name, context) {
    const unix = name === "unix-stream";
    const { host, port } = unix ? { host: "", port: 0 } : parseInet(context.address());
    const path = unix ? context.address("server") : "";
    const server = startChild(context, process.execPath, ["-e", SERVER, host, String(port), path]);
    const bound = await server.json<net.AddressInfo | string>();
    const address = typeof bound === "string" ? bound : formatInet(host, bound.port);
    traceChild(context, {
      side: "server",
      call: "listen",
      via: "node child",
      local: address,
      detail: `backlog ${BACKLOG}`,
    });
    server.signal("SIGSTOP");

    const fates = await Promise.all(Array.from({ length: CLIENTS }, () => connectOnce(address, context)));
    const queue = unix
      ? await ss(["-xl", "src", address])
      : [
          ...(await ss(["-tln", `( sport = :${portOf(address)} )`])),
          ...(await ss(["-tan", `( dport = :${portOf(address)} )`])),
        ];
    const queued = fates.filter((f) => f === "connected").length;
    const rest = [...new Set(fates.filter((f) => f !== "connected"))];
    const restSaid = rest.length === 1 && rest[0] === "waiting" ? "ignored (SYN-SENT)" : rest.join(" or ");
    return {
      outcome: queued === 0 ? "none connected" : `${queued} queued, rest ${restSaid}`,
      evidence: [
        `backlog ${BACKLOG}, server stopped; clients: ${fates.map((f, i) => `${i + 1} ${f}`).join(", ")}`,
        ...queue.map((line) => `ss: ${line}`),
      ],
    };
  },
};

/** "connected", the errno it failed with, or "waiting" when neither happened in its patience. */
function connectOnce(address: string, context: ExperimentContext): Promise<string> {
  const options = address.startsWith("/") ? { path: address } : parseInet(address);
  const via = "net.connect()";
  context.trace({ side: "client", call: "socket", inferred: true, via });
  const t = context.trace.now();
  const socket = net.connect(options);
  context.defer(() => socket.destroy());
  return new Promise((resolve) => {
    const patience = context.capturing ? PATIENCE_CAPTURED_MS : PATIENCE_MS;
    const timer = setTimeout(() => resolve("waiting"), patience);
    const settle = (fate: string, errno?: string) => {
      clearTimeout(timer);
      const failed = errno ? { errno } : {};
      context.trace({
        t,
        side: "client",
        call: "connect",
        inferred: false,
        via,
        remote: address,
        ...failed,
      });
      resolve(fate);
    };
    socket.once("connect", () => settle("connected"));
    socket.once("error", (err: NodeJS.ErrnoException) => settle(err.code ?? "EIO", err.code ?? "EIO"));
  });
}
