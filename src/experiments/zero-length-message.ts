import { eofEvent } from "../trace/events.js";
import type { TransportName } from "../transports/transport.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { listenQueue, python, traceSend, watch } from "./kit/index.js";
import { bindDatagram, collectDatagrams, datagramTransport, dial } from "./sockets.js";

const EMPTY = Buffer.alloc(0);
const AFTER = Buffer.from("after");
const DATAGRAM = "empty datagram delivered";
const STREAM = "nothing arrives";
const SEQPACKET = "empty record delivered";
const READ_AS_EOF = "read as EOF";

// What the kernel does with an empty seqpacket record, from a peer we did not write.
const EMPTY_RECORD = `
import json, socket
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
a.send(b"")
a.send(b"${AFTER}")
print(json.dumps([b.recv(100).decode(), b.recv(100).decode()]), flush=True)
`;

export const zeroLengthMessage: Experiment = {
  name: "zero-length-message",
  summary: "send() of 0 bytes: a datagram or record arrives empty, a stream carries nothing",
  claim: {
    page: "recv(2)",
    section: "RETURN VALUE",
    text:
      'When a stream socket peer has performed an orderly shutdown, the return value will be 0 (the traditional "end-of-file" return). ' +
      "Datagram sockets in various domains (e.g., the UNIX and Internet domains) permit zero-length " +
      "datagrams. When such a datagram is received, the return value is 0.",
  },
  steps: [`send an empty message, then "${AFTER}"`, "see what the receiver reads, in order"],
  expected: {
    tcp4: STREAM,
    tcp6: STREAM,
    udp4: DATAGRAM,
    udp6: DATAGRAM,
    "unix-stream": STREAM,
    "unix-dgram": DATAGRAM,
    "unix-seqpacket": SEQPACKET,
  },
  notApplicable: "",
  explain:
    "An empty datagram is still a datagram, so the receiver got a message of 0 bytes and then the next " +
    "one; a stream is only bytes, so writing none added nothing and the receiver's first read was the " +
    "next write. A seqpacket record of 0 bytes is delivered too, and recv() returns 0 for it, the same as " +
    "for end-of-file: the playground's addon tells the two apart by asking poll() whether the peer has " +
    "shut down (POLLRDHUP), so the empty record is delivered and the next record after it.",
  needs: { python3: ["unix-seqpacket"] },
  async run(name, context) {
    if (name === "udp4" || name === "udp6" || name === "unix-dgram") return viaDatagrams(name, context);
    return viaConnection(name, context);
  },
};

async function viaDatagrams(name: TransportName, context: ExperimentContext): Promise<Observation> {
  const receiver = await bindDatagram(name, context);
  const got = collectDatagrams(receiver, 100);
  const sender = await (await datagramTransport(name)).open(receiver.local, context.trace);
  context.defer(() => sender.close());
  const call = sender.connected ? "send" : "sendto";
  for (const data of [EMPTY, AFTER]) {
    await sender.send(data, receiver.local);
    traceSend(context, { side: "client", call, via: "socket.send()", data });
  }
  const reads = (await got).map((g) => g.data);
  return {
    outcome: reads[0]?.length === 0 ? DATAGRAM : reads[0] ? STREAM : "nothing at all",
    evidence: [`the receiver got ${reads.map((r) => `${r.length} B`).join(", ") || "nothing"}`],
  };
}

async function viaConnection(name: TransportName, context: ExperimentContext): Promise<Observation> {
  const { listener, accepted } = await listenQueue(name, context);
  const client = await dial(name, context, listener.address);
  const recv = (bytes: number, via: string) =>
    context.trace({ side: "server", call: "recv", inferred: true, via, bytes });
  const server = watch(await accepted(), {
    data: (chunk) => recv(chunk.length, "'data' event"),
    end: () => context.trace({ side: "server", ...eofEvent("client") }),
  });
  for (const data of [EMPTY, AFTER]) {
    await client.write(data);
    traceSend(context, { side: "client", call: "send", via: "socket.write()", data });
  }
  await server.ended(100);
  const first = server.seen[0];
  const evidence = [`the receiver read ${server.seen.join(", ") || "nothing"}`];
  if (name === "unix-seqpacket") {
    const [empty, next] = await python(context, EMPTY_RECORD).json<string[]>();
    evidence.push(
      `the kernel (python3, a seqpacket socketpair): recv() = ${empty?.length} B, then "${next}": ` +
        "the empty record was a message, not the end",
    );
  }
  const outcome =
    first === "EOF"
      ? READ_AS_EOF
      : first === '""'
        ? SEQPACKET
        : first === JSON.stringify(`${AFTER}`)
          ? STREAM
          : `read ${first}`;
  // Node's side showed EOF where the kernel delivered a record: our transport bent it, as python3 shows.
  return outcome === READ_AS_EOF
    ? { outcome, evidence, bentBy: "the playground's unix-seqpacket" }
    : { outcome, evidence };
}
