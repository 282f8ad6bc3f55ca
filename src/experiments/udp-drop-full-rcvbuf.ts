import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import { formatInet } from "../transports/address.js";
import type { Experiment } from "./experiment.js";
import { traceSend } from "./kit/index.js";
import { datagramTransport } from "./sockets.js";

const RCVBUF = 4096;
const COUNT = 200;
const SIZE = 500;
/** The receiver is done when nothing more has come for this long. */
const QUIET_MS = 50;

export const udpDropFullRcvbuf: Experiment = {
  name: "udp-drop-full-rcvbuf",
  summary: "UDP has no flow control: what does not fit the receive buffer is dropped, silently",
  claim: {
    page: "udp(7)",
    section: "DESCRIPTION",
    text:
      "This is an implementation of the User Datagram Protocol described in RFC 768. It implements a " +
      "connectionless, unreliable datagram packet service.",
  },
  steps: [
    `bind a receiver with a small receive buffer: dgram.createSocket({ recvBufferSize: ${RCVBUF} })`,
    `send ${COUNT} datagrams of ${SIZE} B in one go: one turn of the event loop, so the receiver (same ` +
      "process, same loop) cannot read until all have been sent",
    "count what arrives, and the kernel's count of datagrams dropped for a full buffer (RcvbufErrors)",
  ],
  expected: { udp4: "dropped, sender saw no error", udp6: "dropped, sender saw no error" },
  notApplicable:
    "TCP and unix-stream stop the sender when the receiver's buffer is full (flow control); unix-dgram " +
    "makes it wait (see unix-dgram-queue-full); seqpacket is a connection and does the same.",
  explain:
    "The receiver's buffer held only a few datagrams, and the rest were thrown away by the receiver's " +
    "kernel while every send() succeeded: nothing in UDP tells a sender to slow down or that anything " +
    "was lost. Only the kernel's counters (RcvbufErrors in /proc/net/snmp, `netstat -su`) show the drops, " +
    "so a UDP protocol must number its messages to notice gaps.",
  async run(name, context) {
    const type = name === "udp6" ? "udp6" : "udp4";
    const host = type === "udp6" ? "::1" : "127.0.0.1";
    const via = `dgram.createSocket({ recvBufferSize: ${RCVBUF} })`;
    // Raw node:dgram: the transports have no receive-buffer option.
    const receiver = dgram.createSocket({ type, recvBufferSize: RCVBUF });
    context.defer(() => new Promise<void>((done) => receiver.close(() => done())));
    context.trace({ side: "server", call: "socket", inferred: true, via });
    const arrived: number[] = [];
    let lastArrival = 0;
    receiver.on("message", (data: Buffer) => {
      arrived.push(Number(/^#(\d+)/.exec(data.toString("latin1"))?.[1]));
      lastArrival = Date.now();
    });
    await new Promise<void>((resolve, reject) => {
      receiver.once("error", reject);
      receiver.bind(0, host, () => resolve());
    });
    const local = formatInet(host, receiver.address().port);
    const rcvbuf = receiver.getRecvBufferSize();
    context.trace({
      side: "server",
      call: "bind",
      inferred: false,
      via: "socket.bind()",
      local,
      requested: formatInet(host, 0),
      detail: `SO_RCVBUF ${rcvbuf}`,
    });

    const sender = await (await datagramTransport(name)).open(local, context.trace);
    context.defer(() => sender.close());
    const before = rcvbufErrors(type);
    // Numbered, to see which ones made it; all sent before this function awaits anything.
    const datagrams = Array.from({ length: COUNT }, (_, i) => {
      const data = Buffer.alloc(SIZE, "u");
      data.write(`#${i + 1} `);
      return data;
    });
    const results = await Promise.all(
      datagrams.map((data) =>
        sender.send(data, local).then(
          () => "sent",
          (err: { code: string }) => err.code,
        ),
      ),
    );
    for (const data of [datagrams[0], datagrams[COUNT - 1]] as Buffer[])
      traceSend(context, { side: "client", call: "send", via: "socket.send()", data });
    lastArrival = Date.now();
    while (Date.now() - lastArrival < QUIET_MS) await new Promise((resolve) => setTimeout(resolve, 10));
    const after = rcvbufErrors(type);

    const failed = results.filter((r) => r !== "sent");
    const received = arrived.length;
    return {
      outcome:
        failed.length > 0
          ? `sender saw ${[...new Set(failed)].join(", ")}`
          : received < COUNT
            ? "dropped, sender saw no error"
            : "all arrived",
      evidence: [
        `SO_RCVBUF ${RCVBUF} asked, ${rcvbuf} given; ${COUNT - failed.length} of ${COUNT} sends succeeded; ` +
          `${received} arrived (${ranges(arrived)}), ${COUNT - received} were lost`,
        `${after.counter} went up by ${after.count - before.count} (it counts every socket on this machine)`,
      ],
    };
  },
};

/** The kernel's count of datagrams dropped because a receive buffer was full. */
function rcvbufErrors(type: "udp4" | "udp6"): { counter: string; count: number } {
  if (type === "udp6") {
    const text = readFileSync("/proc/net/snmp6", "utf8");
    return {
      counter: "/proc/net/snmp6 Udp6RcvbufErrors",
      count: Number(/^Udp6RcvbufErrors\s+(\d+)/m.exec(text)?.[1]),
    };
  }
  // Two lines: "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors ..." and "Udp: 12 0 ...".
  const [header, values] = readFileSync("/proc/net/snmp", "utf8")
    .split("\n")
    .filter((line) => line.startsWith("Udp:"));
  const column = header?.split(/\s+/).indexOf("RcvbufErrors") ?? -1;
  return { counter: "/proc/net/snmp Udp RcvbufErrors", count: Number(values?.split(/\s+/)[column]) };
}

/** 1,2,3,7 -> "#1–#3, #7" */
function ranges(numbers: number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] as number;
    while (sorted[i + 1] === (sorted[i] as number) + 1) i++;
    parts.push(start === sorted[i] ? `#${start}` : `#${start}–#${sorted[i]}`);
  }
  return parts.join(", ") || "none";
}
