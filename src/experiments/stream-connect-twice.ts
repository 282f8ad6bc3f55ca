import net from "node:net";
import { parseInet } from "../transports/address.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { seqpacketConnectsUnderStrace } from "./kit/index.js";
import { listen } from "./sockets.js";

/** connect() calls after the first, at most: enough to meet EISCONN on every transport here. */
const AGAIN = 2;

export const streamConnectTwice: Experiment = {
  name: "stream-connect-twice",
  summary: "connect() again on a connected stream socket: EISCONN (TCP first finishes its connect)",
  claim: {
    page: "connect(2)",
    section: "DESCRIPTION",
    text: "Some protocol sockets (e.g., UNIX domain stream sockets) may successfully connect() only once.",
  },
  steps: [
    "listen on loopback or a path",
    "connect() a socket to it and wait until it is connected",
    `call connect() on the same socket again, to the same address, up to ${AGAIN} more times, until it fails`,
  ],
  expected: {
    tcp4: "succeeded, then EISCONN",
    tcp6: "succeeded, then EISCONN",
    "unix-stream": "EISCONN",
    "unix-seqpacket": "EISCONN",
  },
  notApplicable: "A datagram socket may connect() again and again, to change its peer (see dgram-reconnect).",
  explain:
    "A connected stream socket is one end of one connection, so the kernel answers a further connect() " +
    "with EISCONN. TCP takes one more call first: a non-blocking connect() returns EINPROGRESS, and the " +
    "kernel marks the socket connected only at the next connect(), which returns 0 — libuv asks SO_ERROR " +
    "instead, so Node's second connect() is that call. A unix connect() completes at once.",
  needs: { strace: ["unix-seqpacket"] },
  async run(name, context) {
    const listener = await listen(name, context);
    if (name === "unix-seqpacket") {
      // connect() on one socket again: the addon in a child Node, and strace to say what the kernel said.
      const kernel = await seqpacketConnectsUnderStrace(context, listener.address, 1 + AGAIN);
      return {
        outcome: kernel.answers.slice(1).join(", then "),
        evidence: [
          ...kernel.lines.map((line) => `strace of the playground's addon in a child Node: ${line}`),
          `the addon threw ${kernel.addonSaid ?? "nothing"}`,
        ],
      };
    }
    const options: net.NetConnectOpts =
      name === "unix-stream" ? { path: listener.address } : { ...parseInet(listener.address) };
    return connectAgain(context, options, listener.address);
  },
};

/** net.Socket.connect() on one socket until the kernel refuses: Node passes each call to connect(). */
function connectAgain(
  context: ExperimentContext,
  options: net.NetConnectOpts,
  address: string,
): Promise<Observation> {
  const via = "socket.connect()";
  const socket = net.connect(options);
  context.defer(() => socket.destroy());
  context.trace({ side: "client", call: "socket", inferred: true, via: "net.connect()" });
  const first = context.trace.now();
  const answers: string[] = [];
  return new Promise((resolve) => {
    const done = () =>
      resolve({
        outcome: answers.join(", then "),
        evidence: [`connect() again on the connected socket, ${answers.length}×: ${answers.join(", ")}`],
      });
    socket.once("connect", () => {
      context.trace({
        t: first,
        side: "client",
        call: "connect",
        inferred: false,
        via: "net.connect()",
        remote: address,
      });
      socket.on("error", (err: NodeJS.ErrnoException) => {
        answers.push(err.code ?? "EIO");
        context.trace({
          side: "client",
          call: "connect",
          inferred: false,
          via,
          remote: address,
          errno: err.code,
          message: err.message,
        });
        done();
      });
      const again = () => {
        if (answers.length === AGAIN) return done();
        const t = context.trace.now();
        socket.connect(options, () => {
          answers.push("succeeded");
          context.trace({
            t,
            side: "client",
            call: "connect",
            inferred: false,
            via,
            remote: address,
            detail: "again",
          });
          again();
        });
      };
      again();
    });
  });
}
