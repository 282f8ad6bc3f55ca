import { readFileSync } from "node:fs";
import type { Experiment } from "./experiment.js";
import { traceSend } from "./kit/index.js";
import { bindDatagram, datagramTransport, sleep } from "./sockets.js";

/** Datagrams sent beyond what the receiver's queue holds. */
const EXTRA = 20;
/** All sends must be done by then; a queued send that never completes would show up as lost. */
const PATIENCE_MS = 1000;

export const unixDgramQueueFull: Experiment = {
  name: "unix-dgram-queue-full",
  summary: "a unix datagram sender waits while the receiver's queue is full: nothing is lost",
  claim: {
    page: "unix(7)",
    section: "DESCRIPTION",
    text:
      "SOCK_DGRAM, for a datagram-oriented socket that preserves message boundaries (as on most UNIX " +
      "implementations, UNIX domain datagram sockets are always reliable and don't reorder datagrams)",
  },
  steps: [
    "bind a receiver; open a sender",
    `send net.unix.max_dgram_qlen + ${EXTRA} numbered datagrams in one go, in one turn of the event ` +
      "loop, so the receiver (same process) cannot read until all were handed over",
    "note, for each send, how many datagrams the receiver had read when it completed; check what arrived",
  ],
  expected: { "unix-dgram": "sender waited, none lost" },
  notApplicable:
    "UDP drops instead of waiting (see udp-drop-full-rcvbuf); connections have flow control of their own.",
  explain:
    "The receiver's queue holds net.unix.max_dgram_qlen datagrams (10 by default, and the kernel lets " +
    "one more in), so the first sends completed at once and the rest had to wait: the kernel answered " +
    "EAGAIN and the playground's transport retried each one when the receiver had read and made room. Unlike UDP, " +
    "every datagram arrived, in order, and the only sign of the full queue is how late the later sends " +
    "completed.",
  async run(name, context) {
    const qlen = Number(readFileSync("/proc/sys/net/unix/max_dgram_qlen", "utf8"));
    const count = qlen + EXTRA;
    const receiver = await bindDatagram(name, context);
    const arrived: number[] = [];
    receiver.setHandlers({ message: (data) => arrived.push(Number(data.toString())), error: () => {} });
    const sender = await (await datagramTransport(name)).open(receiver.local, context.trace);
    context.defer(() => sender.close());

    // For each send: how many datagrams the receiver had read when it completed.
    const readBefore: number[] = [];
    const sends = Array.from({ length: count }, (_, i) => {
      const data = Buffer.from(String(i + 1));
      return sender.send(data, receiver.local).then(
        () => {
          readBefore[i] = arrived.length;
          return "sent";
        },
        (err: { code: string }) => err.code,
      );
    });
    let timer: NodeJS.Timeout | undefined;
    const results = await Promise.race([
      Promise.all(sends),
      new Promise<string[]>((resolve) => {
        timer = setTimeout(() => resolve([]), PATIENCE_MS);
      }),
    ]);
    clearTimeout(timer);
    // The last datagrams are in the receiver's queue when their sends complete; let it read them.
    for (let waited = 0; arrived.length < count && waited < PATIENCE_MS; waited += 5) await sleep(5);
    for (const i of [0, count - 1]) {
      const data = Buffer.from(String(i + 1));
      traceSend(context, {
        side: "client",
        call: "sendto",
        via: "socket.sendTo()",
        data,
        outcome: results[i] ?? "waiting",
      });
    }

    const atOnce = readBefore.filter((n) => n === 0).length;
    const inOrder = arrived.every((n, i) => n === i + 1);
    const failed = results.filter((r) => r !== "sent");
    return {
      outcome:
        results.length < count
          ? `sends still waiting after ${PATIENCE_MS} ms`
          : failed.length > 0
            ? `sender saw ${[...new Set(failed)].join(", ")}`
            : atOnce < count && arrived.length === count && inOrder
              ? "sender waited, none lost"
              : `${atOnce} sent at once, ${arrived.length} of ${count} arrived${inOrder ? "" : " out of order"}`,
      evidence: [
        `net.unix.max_dgram_qlen ${qlen}; ${atOnce} sends completed before the receiver had read anything, ` +
          `the rest only after it had read ${[...new Set(readBefore.filter((n) => n > 0))].join(", then ")}`,
        `${arrived.length} of ${count} arrived${inOrder ? ", in order" : `: ${arrived.join(",")}`}`,
      ],
    };
  },
};
