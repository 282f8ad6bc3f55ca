// What the lab's message-end rule gets wrong, shown on a real stream: a message sent in two pieces, a
// moment apart, reaches the server as two recv()s, and a server that takes the first recv() as the
// whole message (the lab's server.py, `playground server`'s default) acks only the first piece. The
// same two pieces against `--message-end newline` are read whole. See src/protocol/message-end.ts.
import { formatMessageEnd, type MessageEnd, parseMessageEnd } from "../protocol/message-end.js";
import { DEFAULT_PROTOCOL } from "../protocol/messages.js";
import { startServer } from "../protocol/server.js";
import type { CallRecord, Trace } from "../trace/events.js";
import type { TransportName } from "../transports/transport.js";
import type { Experiment, ExperimentContext } from "./experiment.js";
import { traceSend, traceShutdown, watch } from "./kit/index.js";
import { connectionTransport, dial, sleep } from "./sockets.js";

const PIECES = [Buffer.from("Hello, "), Buffer.from("Server!\n")];
/** Long enough that the server has surely read the first piece before the second is sent. */
const GAP_MS = 50;
const STREAMS = "a message in two pieces: two recv()s";

export const labRulePrefix: Experiment = {
  name: "lab-rule-prefix",
  summary: "a message sent in two pieces: the lab's rule (first recv()) acks the first; newline waits",
  claim: {
    page: "recv(2)",
    section: "DESCRIPTION",
    text:
      "The receive calls normally return any data available, up to the requested amount, rather than " +
      "waiting for receipt of the full amount requested.",
  },
  steps: [
    `against playground's server with --message-end recv (the default), send "Hello, ", wait ${GAP_MS} ms, ` +
      'send "Server!\\n"',
    "see what the server took as the message when it acked",
    "the same against --message-end newline",
  ],
  expected: { tcp4: STREAMS, tcp6: STREAMS, "unix-stream": STREAMS },
  notApplicable:
    "SOCK_DGRAM and SOCK_SEQPACKET keep boundaries: each send() is one message, and no rule is needed.",
  explain:
    "recv() returned what had arrived, the first piece, without waiting for more: the kernel keeps no " +
    "message boundaries on a stream. The lab's rule took that first recv() as the whole message and acked " +
    '"Hello, "; the rest came after the ack and was never part of a message. With --message-end newline ' +
    "the server read on until the newline and acked the whole line: a rule that keeps whole messages, at " +
    "the price of a client that sends no newline waiting for its EOF.",
  async run(name, context) {
    const lab = await session(name, context, parseMessageEnd("recv"));
    const lines = await session(name, context, parseMessageEnd("newline"));
    const evidence = [
      `--message-end recv: the server read ${lab.reads}; it acked ${lab.message}`,
      `--message-end newline: the server read ${lines.reads}; it acked ${lines.message}`,
    ];
    const twoReads = lab.count >= 2 && lines.count >= 2;
    return { outcome: twoReads ? STREAMS : `one recv() of ${lab.reads}`, evidence };
  },
};

/** One session against playground's own server under `rule`: what it read, and what it acked. */
async function session(name: TransportName, context: ExperimentContext, rule: MessageEnd) {
  const records: CallRecord[] = [];
  // The experiment's ladder gets every call; this session's own list says what the server took.
  const trace: Trace = Object.assign(
    (record: CallRecord) => {
      records.push(record);
      context.trace(record);
    },
    { now: context.trace.now, wants: () => true, origin: context.trace.origin },
  );
  const transport = await connectionTransport(name);
  const protocol = { ...DEFAULT_PROTOCOL, messageEnd: rule };
  const address = context.address(formatMessageEnd(rule)); // a socket file of its own per session
  const server = await startServer(transport, address, protocol, trace);
  context.defer(() => server.close(0));
  const client = await dial(name, context, server.address);
  const saw = watch(client);
  for (const [i, piece] of PIECES.entries()) {
    if (i > 0) await sleep(GAP_MS);
    else await until(() => saw.seen.length > 0); // the welcome first, as the lab's client waits for it
    await client.write(piece);
    traceSend(context, { side: "client", call: "send", via: "socket.write()", data: piece });
  }
  // The client ends its side once the server has: the session is over, and no linger waits on it.
  await saw.ended(2000);
  traceShutdown(context, "client", client.end());
  await saw.closed(2000);
  await server.close(0);
  const ofServer = records.filter((r) => r.side === "server");
  const end = ofServer.findIndex((r) => r.call === "message-end");
  const isRead = (r: CallRecord) => r.call === "recv" && (r.bytes ?? 0) > 0;
  const reads = ofServer.filter(isRead);
  const before = ofServer.slice(0, end).filter(isRead);
  const quoted = (rs: CallRecord[]) => rs.map((r) => JSON.stringify(r.preview)).join(" + ") || "nothing";
  return {
    count: reads.length,
    reads: quoted(reads),
    message: end === -1 ? "nothing" : `${quoted(before)} (the message ended by ${ofServer[end]?.detail})`,
  };
}

async function until(done: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(2);
}
