import type { Experiment } from "./experiment.js";
import { listenQueue, traceSend, traceShutdown, watch } from "./kit/index.js";
import { dial } from "./sockets.js";

const REQUEST = Buffer.from("request");
const REPLY = Buffer.from("reply");

export const halfClose: Experiment = {
  name: "half-close",
  summary: "shutdown(SHUT_WR) sends EOF one way only: the peer reads EOF and can still answer",
  claim: {
    page: "shutdown(2)",
    section: "DESCRIPTION",
    text:
      "The shutdown() call causes all or part of a full-duplex connection on the socket associated with " +
      "sockfd to be shut down. If how is SHUT_RD, further receptions will be disallowed. If how is " +
      "SHUT_WR, further transmissions will be disallowed.",
  },
  steps: [
    `the client sends "${REQUEST}" and calls shutdown(SHUT_WR)`,
    `the server reads "${REQUEST}", then EOF; only then it sends "${REPLY}" and shuts down its side`,
    "see what the client reads",
  ],
  expected: {
    tcp4: "reply delivered after EOF",
    tcp6: "reply delivered after EOF",
    "unix-stream": "reply delivered after EOF",
    "unix-seqpacket": "reply delivered after EOF",
  },
  notApplicable: "A datagram socket has no connection to shut down halfway and no EOF to send.",
  explain:
    'SHUT_WR closes one direction only: the server read EOF, which said "no more requests", while the ' +
    "other direction stayed open and carried the reply. This is how a client says it is done sending and " +
    "still waits for the answer. A Node net socket ends its own side as soon as it reads EOF unless it " +
    "was made with allowHalfOpen: true, as our transports make theirs.",
  async run(name, context) {
    const { listener, accepted } = await listenQueue(name, context);
    const client = await dial(name, context, listener.address);
    const clientSaw = watch(client);
    const server = await accepted();
    const serverSaw = watch(server, {
      end: () => {
        void server.write(REPLY).then(() => {
          traceSend(context, {
            side: "server",
            call: "send",
            via: "socket.write()",
            data: REPLY,
          });
          traceShutdown(context, "server", server.end());
        });
      },
    });
    await client.write(REQUEST);
    traceSend(context, {
      side: "client",
      call: "send",
      via: "socket.write()",
      data: REQUEST,
    });
    traceShutdown(context, "client", client.end());
    await clientSaw.ended(1000);

    const read = (seen: string[]) => seen.join(", ") || "nothing";
    const delivered =
      serverSaw.seen.join() === `${JSON.stringify(`${REQUEST}`)},EOF` &&
      clientSaw.seen.join() === `${JSON.stringify(`${REPLY}`)},EOF`;
    return {
      outcome: delivered ? "reply delivered after EOF" : `client read ${read(clientSaw.seen)}`,
      evidence: [`the server read ${read(serverSaw.seen)}; the client then read ${read(clientSaw.seen)}`],
    };
  },
};
