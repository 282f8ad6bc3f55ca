// throughput: bytes one way, as fast as the transport takes them, into the sink service (wire.ts),
// which says at the end how much arrived. The sender honours backpressure: a connection write()
// resolves once the kernel has taken the bytes, and the next waits for it; datagram sends keep at
// most SEND_WINDOW in flight. Over a connection everything arrives; over UDP the receiver may drop
// what it cannot keep up with, so like iperf3's UDP report this one counts datagrams sent, received
// and lost, and the rate is what arrived.
import { performance } from "node:perf_hooks";
import type { OpError } from "../errors.js";
import { noTrace } from "../trace/events.js";
import type { ConnectionTransport, DatagramTransport, Transport } from "../transports/transport.js";
import { deadline, type LoadOptions, MAX_OPERATIONS, STALL_MS, secondsSince, watchForStall } from "./load.js";
import { DATA, decodeReport, filler, REPORT_REQUEST, type SinkReport } from "./wire.js";

export interface ThroughputResult {
  mode: "throughput";
  /** Bytes per write or per datagram. */
  messageBytes: number;
  seconds: number;
  bytesSent: number;
  bytesReceived: number;
  /** Received bytes per second: from the first send until the sink has everything it will get. */
  bytesPerSecond: number;
  /** Only for datagram transports. */
  datagrams?: {
    sent: number;
    /** Sends the transport refused with EAGAIN (the receiver's queue stayed full): not in `sent`. */
    refused: number;
    received: number;
    lost: number;
    lossPercent: number;
  };
}

/** Datagram sends in flight at once: enough to keep the socket busy, few enough to see backpressure. */
const SEND_WINDOW = 32;
/** Sends between turns of the event loop, where sends complete at once and never make the loop wait. */
const YIELD_EVERY = 64;
/** How long to wait for a report datagram before asking again, and how often to ask. */
const REPORT_WAIT_MS = 300;
const REPORT_ASKS = 10;

export async function throughput(
  transport: Transport,
  server: string,
  size: number,
  load: LoadOptions,
): Promise<ThroughputResult> {
  const oneWay = (seconds: number) =>
    transport.kind === "datagram"
      ? datagramsOneWay(transport, server, size, seconds)
      : connectionOneWay(transport, server, size, seconds);
  // The sink counts a session from its start, so the warm-up is a session of its own.
  if (load.warmupSeconds > 0) await oneWay(load.warmupSeconds);
  load.onMeasuring?.();
  const { sent, refused, report, seconds } = await oneWay(load.durationSeconds);
  const result: ThroughputResult = {
    mode: "throughput",
    messageBytes: size,
    seconds,
    bytesSent: sent * size,
    bytesReceived: report.bytes,
    bytesPerSecond: report.bytes / seconds,
  };
  if (transport.kind === "datagram") {
    const lost = sent - report.datagrams;
    result.datagrams = {
      sent,
      refused: refused ?? 0,
      received: report.datagrams,
      lost,
      lossPercent: sent === 0 ? 0 : (100 * lost) / sent,
    };
  }
  return result;
}

interface OneWay {
  /** Writes or datagrams sent. */
  sent: number;
  /** Datagrams the transport refused with EAGAIN: the receiver's queue stayed full. */
  refused?: number;
  report: SinkReport;
  seconds: number;
}

async function connectionOneWay(
  transport: ConnectionTransport,
  server: string,
  size: number,
  seconds: number,
): Promise<OneWay> {
  const connection = await transport.dial(server, noTrace);
  const replies: Buffer[] = [];
  let failure: Error | undefined;
  const finished = new Promise<void>((resolve) => {
    connection.setHandlers({
      data: (chunk) => replies.push(chunk),
      end: () => resolve(),
      close: (err) => {
        failure ??= err;
        resolve();
      },
    });
  });
  const chunk = filler(size);
  const start = performance.now();
  const end = deadline(seconds);
  let sent = 0;
  // A sink that stops reading would leave a write waiting for ever; destroying the connection fails it.
  const watchdog = watchForStall(() => {
    failure ??= new Error(`${server} took nothing for ${STALL_MS / 1000} s`);
    connection.destroy();
  });
  try {
    while (performance.now() < end && sent < MAX_OPERATIONS) {
      await connection.write(chunk);
      watchdog.progress();
      sent++;
    }
    connection.end();
    await finished;
    const elapsed = secondsSince(start);
    if (replies.length === 0) throw failure ?? new Error(`${server} closed without a report`);
    return { sent, report: decodeReport(Buffer.concat(replies)), seconds: elapsed };
  } finally {
    watchdog.stop();
    connection.destroy();
  }
}

async function datagramsOneWay(
  transport: DatagramTransport,
  server: string,
  size: number,
  seconds: number,
): Promise<OneWay> {
  const socket = await transport.open(server, noTrace);
  let report: Buffer | undefined;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  socket.setHandlers({
    message(data, from) {
      if (from !== server) return;
      report = data;
      wake?.();
    },
    error(err) {
      failure ??= err;
      wake?.();
    },
  });
  const waitUpTo = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const data = filler(size, DATA);
  let slot: (() => void) | undefined;
  const wakeSender = () => {
    const free = slot;
    slot = undefined;
    free?.();
  };
  const watchdog = watchForStall(() => {
    failure ??= new Error(`sends to ${server} made no progress for ${STALL_MS / 1000} s`);
    wakeSender();
  });
  try {
    const start = performance.now();
    const end = deadline(seconds);
    let sent = 0;
    let refused = 0;
    let inFlight = 0;
    const done = () => {
      inFlight--;
      watchdog.progress();
      wakeSender();
    };
    for (let i = 0; i < MAX_OPERATIONS && performance.now() < end && !failure; i++) {
      if (i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      if (inFlight >= SEND_WINDOW) {
        await new Promise<void>((resolve) => {
          slot = resolve;
        });
        continue;
      }
      inFlight++;
      socket.send(data, server).then(
        () => {
          sent++;
          done();
        },
        (err: OpError) => {
          // The receiver's queue was full: what a non-blocking sendto() says. Not sent, not fatal.
          if (err.code === "EAGAIN" || err.code === "ENOBUFS") refused++;
          else failure ??= err;
          done();
        },
      );
    }
    while (inFlight > 0 && !failure) {
      await new Promise<void>((resolve) => {
        slot = resolve;
      });
    }
    // The rate is over the sending, as iperf3's: the sink's queue is drained moments later.
    const elapsed = secondsSince(start);
    if (failure) throw failure;
    const ask = filler(1, REPORT_REQUEST);
    for (let i = 0; i < REPORT_ASKS && !report && !failure; i++) {
      const answered = waitUpTo(REPORT_WAIT_MS);
      await socket.send(ask, server);
      await answered;
    }
    if (failure) throw failure;
    if (!report) throw new Error(`${server} sent no report after ${REPORT_ASKS} asks`);
    return { sent, refused, report: decodeReport(report), seconds: elapsed };
  } finally {
    watchdog.stop();
    await socket.close();
  }
}
