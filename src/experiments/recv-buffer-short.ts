import type { TransportName } from "../transports/transport.js";
import type { Experiment, ExperimentContext } from "./experiment.js";
import { python, traceChild, traceSend, watch } from "./kit/index.js";
import { datagramTransport, dial } from "./sockets.js";

const FIRST = Buffer.from("abcdefghij");
const SECOND = Buffer.from("KLM");
const SHORT_BUFFER = 4;

/**
 * What the peer sends back: the biggest UDP datagram, or over unix more than the playground reads of
 * one message (256 KiB; the peer raises its SO_SNDBUF to be allowed to send it).
 */
const BIG: Partial<Record<TransportName, number>> = {
  udp4: 65_507,
  udp6: 65_527,
  "unix-dgram": 300_000,
  "unix-seqpacket": 300_000,
};

// Node has no recv() with a buffer size of our choosing, so the kernel's side is shown by a python3
// peer: recvmsg() with a 4-byte buffer, then an ordinary one, then a big message back to us.
const SHORT_READER = `
import json, socket, sys
kind, host, big = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = {"udp4": socket.AF_INET, "udp6": socket.AF_INET6}.get(kind, socket.AF_UNIX)
seqpacket = kind == "unix-seqpacket"
s = socket.socket(family, socket.SOCK_SEQPACKET if seqpacket else socket.SOCK_DGRAM)
if family == socket.AF_UNIX:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2 * big)  # a unix message may be SO_SNDBUF long
s.bind(host if family == socket.AF_UNIX else (host, 0))
if seqpacket:
    s.listen(1)
print(json.dumps(host if family == socket.AF_UNIX else s.getsockname()[1]), flush=True)
peer = s.accept()[0] if seqpacket else s
if family == socket.AF_UNIX:
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2 * big)  # an accepted socket starts afresh
first, _, flags, sender = peer.recvmsg(${SHORT_BUFFER})
after, _, _, _ = peer.recvmsg(65536)
print(json.dumps({"first": first.decode(), "truncated": bool(flags & socket.MSG_TRUNC), "after": after.decode()}), flush=True)
sys.stdin.readline()
if seqpacket:
    peer.send(b"y" * big)
else:
    peer.sendto(b"y" * big, sender)
`;

interface KernelSaid {
  first: string;
  truncated: boolean;
  after: string;
}

export const recvBufferShort: Experiment = {
  name: "recv-buffer-short",
  summary: "a message longer than the recv() buffer loses its tail, and MSG_TRUNC says so",
  claim: {
    page: "recv(2)",
    section: "DESCRIPTION",
    text:
      "If a message is too long to fit in the supplied buffer, excess bytes may be discarded depending " +
      "on the type of socket the message is received from.",
  },
  steps: [
    `send "${FIRST}" and then "${SECOND}" to a python3 peer (Node cannot choose a recv() buffer size)`,
    `the peer calls recvmsg() with a ${SHORT_BUFFER}-byte buffer, then with a big one`,
    "the peer sends back one big message: the largest UDP datagram, or 300,000 B over unix (more than " +
      "the playground reads of one); see how much of it Node delivers, and what it says",
  ],
  expected: {
    udp4: "excess discarded, MSG_TRUNC",
    udp6: "excess discarded, MSG_TRUNC",
    "unix-dgram": "excess discarded, MSG_TRUNC",
    "unix-seqpacket": "excess discarded, MSG_TRUNC",
  },
  notApplicable:
    "A stream discards nothing: what does not fit waits for the next recv() (see message-boundaries).",
  explain:
    "A datagram or a seqpacket record is read whole or not at all: the kernel put the first 4 bytes in " +
    "the buffer, threw the other 6 away and set MSG_TRUNC, and the next recv() got the next message. Node " +
    "chooses the buffer itself: node:dgram reads into 64 KiB, bigger than any UDP datagram, and never " +
    "shows the flag. The playground's unix addon reads 256 KiB of a message and passes MSG_TRUNC on: a " +
    "cut datagram is marked cut, and a cut seqpacket record ends the connection with EMSGSIZE.",
  needs: { python3: ["udp4", "udp6", "unix-dgram", "unix-seqpacket"] },
  async run(name, context) {
    const big = BIG[name] as number;
    const seqpacket = name === "unix-seqpacket";
    const local = name === "udp4" ? "127.0.0.1" : name === "udp6" ? "::1" : context.address("peer");
    const peer = python(context, SHORT_READER, name, local, String(big));
    const where = await peer.json<number | string>();
    const address =
      typeof where === "number" ? (name === "udp6" ? `[::1]:${where}` : `127.0.0.1:${where}`) : where;
    const via = "python3";
    // The peer bound port 0 (the kernel chose `where`), or its path.
    const requested = typeof where === "number" ? address.replace(/\d+$/, "0") : undefined;
    traceChild(context, { side: "server", call: "bind", via, local: address, requested });
    if (seqpacket) traceChild(context, { side: "server", call: "listen", via, detail: "backlog 1" });

    const node = seqpacket
      ? await seqpacketClient(address, context)
      : await datagramClient(name, address, context);
    for (const data of [FIRST, SECOND]) {
      await node.send(data);
      traceSend(context, { side: "client", call: node.call, via: node.via, data });
    }
    const kernel = await peer.json<KernelSaid>();
    const recv = seqpacket ? "recv" : "recvfrom";
    const detail = kernel.truncated ? "MSG_TRUNC" : "";
    traceChild(context, { side: "server", call: recv, via, bytes: kernel.first.length, detail });
    traceChild(context, { side: "server", call: recv, via, bytes: kernel.after.length });
    peer.say("go"); // only now: its big reply must come after the reads above, on the ladder too
    const preview = "yyyyyyyyyyyyyyyyyyyy…";
    traceChild(context, { side: "server", call: seqpacket ? "send" : "sendto", via, bytes: big, preview });
    const { size: got, said } = await node.received;
    const nodeSaw = got === undefined ? "nothing" : `${got} B`;
    return {
      outcome:
        kernel.first.length === SHORT_BUFFER && kernel.truncated && kernel.after === `${SECOND}`
          ? "excess discarded, MSG_TRUNC"
          : `read "${kernel.first}"${kernel.truncated ? ", MSG_TRUNC" : ""}, then "${kernel.after}"`,
      evidence: [
        `the kernel (python3 recvmsg with ${SHORT_BUFFER} bytes): "${kernel.first}" of "${FIRST}", ` +
          `MSG_TRUNC ${kernel.truncated ? "set" : "not set"}; the next recvmsg() got "${kernel.after}"`,
        `Node: the peer's ${big} B ${name === "unix-seqpacket" ? "record" : "datagram"} arrived as ${nodeSaw}` +
          (said ? `, ${said}` : got !== undefined && got < big ? ", with no error and no flag" : ""),
      ],
    };
  },
};

/**
 * Our end: it sends, and resolves `received` with the size of the first message it gets back, and
 * what the transport said about it (cut, or the error the connection closed with).
 */
interface NodeEnd {
  call: "send" | "sendto";
  via: string;
  send(data: Buffer): Promise<void>;
  received: Promise<{ size?: number; said?: string }>;
}

async function datagramClient(
  name: TransportName,
  address: string,
  context: ExperimentContext,
): Promise<NodeEnd> {
  const socket = await (await datagramTransport(name)).open(address, context.trace);
  context.defer(() => socket.close());
  const received = new Promise<{ size?: number; said?: string }>((resolve) => {
    const timer = setTimeout(() => resolve({}), 1000);
    socket.setHandlers({
      message: (data, _from, cut) => {
        clearTimeout(timer);
        context.trace({
          side: "client",
          call: "recvfrom",
          inferred: true,
          via: "'message' event",
          bytes: data.length,
        });
        resolve(
          cut ? { size: data.length, said: "marked cut (the kernel's MSG_TRUNC)" } : { size: data.length },
        );
      },
      error: () => {},
    });
  });
  // A UDP client is connect()ed, so it calls send(); a unix datagram one names the peer each time.
  const call = socket.connected ? "send" : "sendto";
  return { call, via: "socket.send()", send: (data) => socket.send(data, address), received };
}

async function seqpacketClient(address: string, context: ExperimentContext): Promise<NodeEnd> {
  const connection = await dial("unix-seqpacket", context, address);
  let size: number | undefined;
  const watched = watch(connection, {
    data: (chunk) => {
      if (size !== undefined) return;
      size = chunk.length;
      context.trace({ side: "client", call: "recv", inferred: true, via: "'data' event", bytes: size });
    },
  });
  return {
    call: "send",
    via: "socket.write()",
    send: (data) => connection.write(data),
    received: watched.ended(1000).then(async () => {
      const closed = await watched.closed(0);
      return closed === "open" || closed === "closed"
        ? { size }
        : { size, said: `the connection closed with ${closed}` };
    }),
  };
}
