// Numbers measured on this machine, in this run: whole sessions back to back (connect to close),
// the round trip of the message inside each session, and a short one-way stream where the type
// streams. Server and client share one process here; `playground bench` separates them.
import { performance } from "node:perf_hooks";
import { runClient } from "../protocol/client.js";
import { DEFAULT_PROTOCOL, MESSAGE } from "../protocol/messages.js";
import { startServer } from "../protocol/server.js";
import { noTrace, type SocketEvent } from "../trace/events.js";
import { createTracer } from "../trace/tracer.js";
import type { ConnectionTransport, Transport } from "../transports/transport.js";
import { percentile } from "./percentile.js";

export interface Measured {
  sessions: number;
  sessionP50Ms: number;
  sessionP99Ms: number;
  /** The message's round trip inside a session: the client's send() to the ack's first recv(). */
  rttP50Us: number;
  /** One way, MB/s (10^6 bytes); only where the socket type streams. */
  throughputMBps?: number;
}

export async function measure(transport: Transport, address: string, seconds: number): Promise<Measured> {
  const streams = transport.type === "stream";
  const sessionSeconds = streams ? seconds * 0.6 : seconds;
  const { sessions, rtts } = await timeSessions(transport, address, sessionSeconds);
  const measured: Measured = {
    sessions: sessions.length,
    sessionP50Ms: percentile(sessions, 50),
    sessionP99Ms: percentile(sessions, 99),
    rttP50Us: percentile(rtts, 50),
  };
  if (streams && transport.kind === "connection") {
    measured.throughputMBps = await streamThroughput(transport, address, seconds - sessionSeconds);
  }
  return measured;
}

async function timeSessions(transport: Transport, address: string, seconds: number) {
  const server = await startServer(transport, address, DEFAULT_PROTOCOL, noTrace);
  const sessions: number[] = [];
  const rtts: number[] = [];
  const options = { message: Buffer.from(MESSAGE), timeout: 5, retries: 3 };
  try {
    const end = performance.now() + seconds * 1000;
    do {
      const events: SocketEvent[] = [];
      const start = performance.now();
      await runClient(
        transport,
        server.address,
        options,
        createTracer(transport, (e) => events.push(e)),
      );
      sessions.push(performance.now() - start);
      const rtt = messageRoundTrip(events);
      if (rtt !== undefined) rtts.push(rtt);
    } while (performance.now() < end || sessions.length < 5);
  } finally {
    await server.close(1);
  }
  return { sessions, rtts };
}

/** Microseconds from the client's send() of the message to the first byte of the ack. */
function messageRoundTrip(events: readonly SocketEvent[]): number | undefined {
  const client = events.filter((e) => e.side === "client" && !e.errno);
  const sends = client.filter((e) => e.call === "send" || e.call === "sendto");
  const message = sends.at(-1);
  if (!message) return undefined;
  const ack = client.find((e) => (e.call === "recv" || e.call === "recvfrom") && e.bytes && e.t > message.t);
  return ack ? ack.t - message.t : undefined;
}

/** Write 256 KiB chunks for `seconds`, honouring backpressure, and time until the server has them all. */
async function streamThroughput(
  transport: ConnectionTransport,
  address: string,
  seconds: number,
): Promise<number> {
  let received = 0;
  let allIn: () => void = () => {};
  const drained = new Promise<void>((resolve) => {
    allIn = resolve;
  });
  const listener = await transport.listen(
    address,
    (connection) =>
      connection.setHandlers({
        data: (chunk) => {
          received += chunk.length;
        },
        end: () => {
          connection.end();
          allIn();
        },
        close: () => allIn(),
      }),
    noTrace,
  );
  try {
    const connection = await transport.dial(listener.address, noTrace);
    connection.setHandlers({ data: () => {}, end: () => {}, close: () => {} });
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const start = performance.now();
    const end = start + Math.max(seconds, 0.02) * 1000;
    let sent = 0;
    while (performance.now() < end) {
      await connection.write(chunk); // resolves once the kernel took it: backpressure
      sent += chunk.length;
    }
    connection.end();
    await drained;
    const elapsed = (performance.now() - start) / 1000;
    return Math.min(sent, received) / elapsed / 1e6;
  } finally {
    await listener.close();
  }
}
