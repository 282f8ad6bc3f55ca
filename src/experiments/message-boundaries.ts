import { TRANSPORT_NAMES } from "../strategy.js";
import type { TransportName } from "../transports/transport.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { bindDatagram, collectDatagrams, collectReads, datagramTransport, dial, listen } from "./sockets.js";

const WORDS = ["hello", "w", "o", "r", "l", "d"];

export const messageBoundaries: Experiment = {
  name: "message-boundaries",
  summary: "six send()s: a stream merges them, dgram and seqpacket deliver six messages",
  claim: {
    page: "unix(7)",
    section: "DESCRIPTION",
    text:
      "SOCK_STREAM, for a stream-oriented socket; SOCK_DGRAM, for a datagram-oriented socket that preserves " +
      "message boundaries; and SOCK_SEQPACKET, for a sequenced-packet socket that is connection-oriented, " +
      "preserves message boundaries, and delivers messages in the order that they were sent.",
  },
  steps: [
    `send ${WORDS.map((w) => `"${w}"`).join(", ")} one right after another`,
    "count what the receiver's recv()s return",
  ],
  expected: Object.fromEntries(
    TRANSPORT_NAMES.map((name) => [
      name,
      name.includes("stream") || name.startsWith("tcp") ? "merged" : "kept",
    ]),
  ),
  notApplicable: "",
  explain:
    "A stream is a sequence of bytes: the six writes reached the receiver's buffer before it read, and one " +
    "recv() returned them all. Datagram and seqpacket sockets keep each send() as one message, so the " +
    "receiver got six messages of the sizes sent.",
  async run(name, context) {
    const reads = (await datagramKind(name))
      ? await viaDatagrams(name, context)
      : await viaConnection(name, context);
    const sizes = reads.map((r) => r.length);
    const sent = WORDS.map((w) => w.length);
    const kept = sizes.length === sent.length && sizes.every((s, i) => s === sent[i]);
    const evidence = [
      `sent ${sent.join("+")} bytes in ${sent.length} send()s; recv() returned ${sizes.join("+")}`,
    ];
    return {
      outcome: kept ? "kept" : sizes.length < sent.length ? "merged" : "split",
      evidence,
    } satisfies Observation;
  },
};

async function datagramKind(name: TransportName): Promise<boolean> {
  return name === "udp4" || name === "udp6" || name === "unix-dgram";
}

async function viaConnection(name: TransportName, context: ExperimentContext): Promise<Buffer[]> {
  let reads: Promise<Buffer[]> = Promise.resolve([]);
  const listener = await listen(name, context, (connection) => {
    reads = collectReads(connection, 1000);
  });
  const client = await dial(name, context, listener.address);
  // All six are handed to the kernel before the receiver's event loop gets to read any of them.
  for (const word of WORDS) void client.write(Buffer.from(word)).catch(() => {});
  client.end();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return reads;
}

async function viaDatagrams(name: TransportName, context: ExperimentContext): Promise<Buffer[]> {
  const receiver = await bindDatagram(name, context);
  const sender = await (await datagramTransport(name)).open(receiver.local, context.trace);
  context.defer(() => sender.close());
  const got = collectDatagrams(receiver, 200);
  await Promise.all(WORDS.map((word) => sender.send(Buffer.from(word), receiver.local)));
  return (await got).map((g) => g.data);
}
