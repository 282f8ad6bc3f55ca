import { readFileSync } from "node:fs";
import type { TransportName } from "../transports/transport.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { listenQueue, python, traceChild, traceSend, watch, writeOutcome } from "./kit/index.js";
import { bindDatagram, collectDatagrams, datagramTransport, dial } from "./sockets.js";

/**
 * The most one datagram carries: the 16-bit length less the IPv4 (20) and UDP (8) headers; IPv6's
 * length field does not count its own header, so there only the UDP header comes off.
 */
const UDP_MAX: Partial<Record<TransportName, number>> = { udp4: 65_507, udp6: 65_527 };

/** unix(7): a unix datagram or record may be as big as the sender's SO_SNDBUF less 32 bytes. */
const UNIX_OVERHEAD = 32;

// The kernel's own answer for unix datagrams, from a peer we did not write.
const KERNEL_UNIX_DGRAM = `
import errno, json, socket, sys
receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
receiver.bind(sys.argv[1])
sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sndbuf = sender.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
def attempt(size):
    try:
        sender.sendto(b"x" * size, sys.argv[1])
        return "sent"
    except OSError as err:
        return errno.errorcode[err.errno]
print(json.dumps({"sndbuf": sndbuf, "fits": attempt(sndbuf - 32), "over": attempt(sndbuf - 31)}))
`;

export const dgramTooLarge: Experiment = {
  name: "dgram-too-large",
  summary: "a datagram one byte over the limit is refused whole with EMSGSIZE, not cut",
  claim: {
    page: "send(2)",
    section: "DESCRIPTION",
    text:
      "If the message is too long to pass atomically through the underlying protocol, the error " +
      "EMSGSIZE is returned, and the message is not transmitted.",
  },
  steps: [
    "bind a receiver (listen, for seqpacket) and open a sender",
    "send the largest message the socket carries: udp4 65,507 B, udp6 65,527 B, unix the sender's " +
      "SO_SNDBUF less 32 B (unix(7))",
    "send one byte more",
  ],
  expected: { udp4: "EMSGSIZE", udp6: "EMSGSIZE", "unix-dgram": "EMSGSIZE", "unix-seqpacket": "EMSGSIZE" },
  notApplicable: "A stream has no messages: a big write() is simply split into as many segments as it needs.",
  explain:
    "A datagram or a seqpacket record travels whole or not at all, so the kernel refuses one that is too " +
    "big instead of cutting it. For UDP the limit is the 16-bit length field less the headers; for a unix " +
    "socket it is the sender's SO_SNDBUF less 32 bytes, about 208 KiB by default.",
  needs: { python3: ["unix-dgram"] },
  async run(name, context) {
    if (name === "udp4" || name === "udp6") return viaUdp(name, context);
    if (name === "unix-dgram") return viaUnixDgram(context);
    return viaSeqpacket(context);
  },
};

async function viaUdp(name: "udp4" | "udp6", context: ExperimentContext): Promise<Observation> {
  const max = UDP_MAX[name] as number;
  const receiver = await bindDatagram(name, context);
  const got = collectDatagrams(receiver, 100);
  const sender = await (await datagramTransport(name)).open(receiver.local, context.trace);
  context.defer(() => sender.close());
  const send = async (size: number) => {
    const data = Buffer.alloc(size, "x");
    const outcome = await sender.send(data, receiver.local).then(
      () => "sent",
      (err: { code: string }) => err.code,
    );
    traceSend(context, { side: "client", call: "send", via: "socket.send()", data, outcome });
    return outcome;
  };
  const fits = await send(max);
  const over = await send(max + 1);
  const sizes = (await got).map((g) => g.data.length);
  return {
    outcome: fits === "sent" ? over : `${max} B refused: ${fits}`,
    evidence: [
      `${max} B: ${fits}; ${max + 1} B: ${over}; the receiver got ${sizes.join(", ") || "nothing"} B`,
    ],
  };
}

async function viaUnixDgram(context: ExperimentContext): Promise<Observation> {
  const kernel = await python(context, KERNEL_UNIX_DGRAM, context.address("kernel")).json<{
    sndbuf: number;
    fits: string;
    over: string;
  }>();
  const limit = kernel.sndbuf - UNIX_OVERHEAD;
  const via = "python3 sendto()";
  const preview = "xxxxxxxxxxxxxxxxxxxx…";
  traceChild(context, { side: "client", call: "sendto", via, bytes: limit, preview });
  const refused = kernel.over === "sent" ? {} : { errno: kernel.over };
  traceChild(context, { side: "client", call: "sendto", via, bytes: limit + 1, preview, ...refused });

  // The same two sizes through our transport: the kernel, not the transport, decides.
  const receiver = await bindDatagram("unix-dgram", context);
  const got = collectDatagrams(receiver, 100);
  const sender = await (await datagramTransport("unix-dgram")).open(receiver.local, context.trace);
  context.defer(() => sender.close());
  const nodeSend = async (size: number) => {
    const data = Buffer.alloc(size, "x");
    const outcome = await sender.send(data, receiver.local).then(
      () => "sent",
      (err: { code: string }) => err.code,
    );
    traceSend(context, { side: "client", call: "sendto", via: "socket.send()", data, outcome });
    return outcome;
  };
  const nodeFits = await nodeSend(limit);
  const nodeOver = await nodeSend(limit + 1);
  const sizes = (await got).map((g) => g.data.length);
  return {
    outcome: kernel.fits === "sent" ? kernel.over : `${limit} B refused: ${kernel.fits}`,
    evidence: [
      `the kernel (python3 child): SO_SNDBUF ${kernel.sndbuf}, so ${limit} B: ${kernel.fits}; ${limit + 1} B: ${kernel.over}`,
      `Node (the playground's addon): ${limit} B: ${nodeFits}, received as ${sizes.join(", ") || "nothing"} B; ` +
        `${limit + 1} B: ${nodeOver}`,
    ],
  };
}

async function viaSeqpacket(context: ExperimentContext): Promise<Observation> {
  // A new unix socket's SO_SNDBUF is net.core.wmem_default; Node has no getsockopt() to ask the socket.
  const sndbuf = Number(readFileSync("/proc/sys/net/core/wmem_default", "utf8"));
  const limit = sndbuf - UNIX_OVERHEAD;
  const { listener, accepted } = await listenQueue("unix-seqpacket", context);
  const client = await dial("unix-seqpacket", context, listener.address);
  const server = watch(await accepted());
  const watched = watch(client);
  const send = async (size: number) => {
    const data = Buffer.alloc(size, "x");
    const outcome = await writeOutcome(client, data);
    traceSend(context, { side: "client", call: "send", via: "socket.write()", data, outcome });
    return outcome;
  };
  const fits = await send(limit);
  const over = await send(limit + 1);
  const closedWith = await watched.closed(500);
  await server.ended(500);
  return {
    outcome: fits === "sent" ? over : `${limit} B refused: ${fits}`,
    evidence: [
      `SO_SNDBUF ${sndbuf} (net.core.wmem_default): ${limit} B: ${fits}, received as ${server.seen[0] ?? "nothing"}; ` +
        `${limit + 1} B: ${over}`,
      `our transport then closed the whole connection (${closedWith}): one failed write ends it`,
    ],
  };
}
