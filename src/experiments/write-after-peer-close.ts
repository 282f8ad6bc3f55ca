import type { Experiment } from "./experiment.js";
import { listenQueue, traceSend, watch, writeOutcome } from "./kit/index.js";
import { dial, sleep } from "./sockets.js";

const WRITES = 4;
/** Time for the peer's answer (a RST, on TCP) to come back over loopback between two writes. */
const BETWEEN_WRITES_MS = 10;

export const writeAfterPeerClose: Experiment = {
  name: "write-after-peer-close",
  summary: "writing to a connection the peer has closed fails with EPIPE (TCP: on the second write)",
  claim: {
    page: "tcp(7)",
    section: "ERRORS",
    text: "EPIPE The other end closed the socket unexpectedly or a read is executed on a shut down socket.",
  },
  steps: [
    "connect; the server closes its socket",
    "the client reads EOF, keeps its own side open, and writes",
    `write again, up to ${WRITES} times, ${BETWEEN_WRITES_MS} ms apart, until a write fails`,
  ],
  expected: {
    tcp4: "EPIPE at write 2",
    tcp6: "EPIPE at write 2",
    "unix-stream": "EPIPE at write 1",
    "unix-seqpacket": "EPIPE at write 1",
  },
  notApplicable:
    "A datagram socket has no connection: an unconnected sender never hears that nobody is listening (a " +
    "connected UDP one may get ECONNREFUSED, see udp-connect-no-listener).",
  explain:
    "TCP cannot tell from the peer's FIN that the peer is gone, only that it will send no more: the first " +
    "write is accepted and the peer's kernel answers it with a reset, after which the next write fails " +
    "with EPIPE (Linux says EPIPE, not ECONNRESET, for a reset that comes after the FIN). A unix socket's " +
    "kernel knows at once that the peer is closed, so the first write fails. Node ignores SIGPIPE, so " +
    "either way the failure arrives as an error, not as a signal.",
  async run(name, context) {
    const { listener, accepted } = await listenQueue(name, context);
    const client = await dial(name, context, listener.address);
    const clientSaw = watch(client);
    const server = await accepted();
    server.destroy();
    context.trace({
      side: "server",
      call: "close",
      inferred: false,
      via: "socket.destroy()",
      local: server.local,
    });
    if (!(await clientSaw.ended(1000))) return { outcome: "no EOF from the closed peer" };

    const results: string[] = [];
    for (let i = 1; i <= WRITES; i++) {
      const data = Buffer.from(`write ${i}`);
      const outcome = await writeOutcome(client, data);
      traceSend(context, { side: "client", call: "send", via: "socket.write()", data, outcome });
      results.push(`write ${i}: ${outcome}`);
      if (outcome !== "sent") return { outcome: `${outcome} at write ${i}`, evidence: [results.join("; ")] };
      await sleep(BETWEEN_WRITES_MS);
    }
    return { outcome: `all ${WRITES} writes sent`, evidence: [results.join("; ")] };
  },
};
