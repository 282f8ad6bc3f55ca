// pingpong: the round trip of one message at a time on one session, as sockperf's ping-pong measures
// it: send --size bytes, wait for all of them to come back from the echo service (wire.ts), repeat.
// The latency is the whole round trip (sockperf prints half of it unless given --full-rtt).
import { performance } from "node:perf_hooks";
import type { OpError } from "../errors.js";
import { noTrace } from "../trace/events.js";
import type { ConnectionTransport, DatagramTransport, Transport } from "../transports/transport.js";
import { LatencyRecorder, type LatencySummary } from "./histogram.js";
import { deadline, type LoadOptions, MAX_OPERATIONS, secondsSince } from "./load.js";
import { filler } from "./wire.js";

export interface PingpongResult {
  mode: "pingpong";
  messageBytes: number;
  seconds: number;
  roundTrips: number;
  /** Round trips per second: one message each way. */
  messagesPerSecond: number;
  /** Pings whose echo did not come within LOST_AFTER_MS (UDP may drop either way): not in the latencies. */
  lost: number;
  latencyUs: LatencySummary;
}

/** A datagram ping unanswered for this long is counted lost, and the next one goes. */
const LOST_AFTER_MS = 200;
/** A connection that echoes nothing for this long has failed. */
const STALLED_AFTER_MS = 5000;

interface Pinger {
  /** One round trip: true when the echo came, false when the ping was lost. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function pingpong(
  transport: Transport,
  server: string,
  size: number,
  load: LoadOptions,
): Promise<PingpongResult> {
  const pinger =
    transport.kind === "datagram"
      ? await datagramPinger(transport, server, size)
      : await connectionPinger(transport, server, size);
  try {
    await pingFor(pinger, load.warmupSeconds, new LatencyRecorder());
    load.onMeasuring?.();
    const latencies = new LatencyRecorder();
    const start = performance.now();
    const lost = await pingFor(pinger, load.durationSeconds, latencies);
    const seconds = secondsSince(start);
    return {
      mode: "pingpong",
      messageBytes: size,
      seconds,
      roundTrips: latencies.count,
      messagesPerSecond: latencies.count / seconds,
      lost,
      latencyUs: latencies.summary(),
    };
  } finally {
    await pinger.close();
  }
}

async function pingFor(pinger: Pinger, seconds: number, latencies: LatencyRecorder): Promise<number> {
  const end = deadline(seconds);
  let lost = 0;
  for (let i = 0; i < MAX_OPERATIONS; i++) {
    const start = performance.now();
    if (start >= end) break;
    if (await pinger.ping()) latencies.record(start, performance.now());
    else lost++;
  }
  return lost;
}

/**
 * The one outstanding ping: its promise, settled by the echo, by a failure, or by the watchdog. One
 * interval timer watches every ping, rather than a timer per ping on the path being measured.
 */
class Outstanding {
  private settle: ((echoed: boolean) => void) | undefined;
  private sentAt = 0;
  failure: Error | undefined;
  private readonly watchdog: NodeJS.Timeout;

  constructor(giveUpMs: number, onGiveUp: () => void) {
    this.watchdog = setInterval(() => {
      if (this.settle && performance.now() - this.sentAt > giveUpMs) onGiveUp();
    }, 50);
    this.watchdog.unref();
  }

  start(): Promise<boolean> {
    if (this.failure) return Promise.reject(this.failure);
    this.sentAt = performance.now();
    return new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  end(echoed: boolean): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(echoed);
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.end(false);
  }

  stop(): void {
    clearInterval(this.watchdog);
  }
}

async function connectionPinger(
  transport: ConnectionTransport,
  server: string,
  size: number,
): Promise<Pinger> {
  const connection = await transport.dial(server, noTrace);
  const data = filler(size);
  let due = 0; // bytes of the echo still to come: a stream may return it in pieces
  const outstanding = new Outstanding(STALLED_AFTER_MS, () =>
    outstanding.fail(new Error(`no echo from ${server} within ${STALLED_AFTER_MS / 1000} s`)),
  );
  connection.setHandlers({
    data(chunk) {
      due -= chunk.length;
      if (due <= 0) outstanding.end(true);
    },
    end: () => outstanding.fail(new Error(`${server} closed the connection`)),
    close: (err?: OpError) => outstanding.fail(err ?? new Error(`${server} closed the connection`)),
  });
  return {
    async ping() {
      due = size;
      const echoed = outstanding.start();
      connection.write(data).catch((err: Error) => outstanding.fail(err));
      const result = await echoed;
      if (outstanding.failure) throw outstanding.failure;
      return result;
    },
    async close() {
      outstanding.stop();
      connection.destroy();
    },
  };
}

async function datagramPinger(transport: DatagramTransport, server: string, size: number): Promise<Pinger> {
  const socket = await transport.open(server, noTrace);
  const data = filler(size);
  let sequence = 0;
  const outstanding = new Outstanding(LOST_AFTER_MS, () => outstanding.end(false));
  socket.setHandlers({
    message(reply, from) {
      // The late echo of a ping already given up as lost is not this one's.
      if (from === server && reply.length >= 4 && reply.readUInt32BE(0) === sequence) outstanding.end(true);
    },
    // An ICMP port unreachable, say: the server is gone.
    error: (err) => outstanding.fail(err),
  });
  return {
    async ping() {
      sequence = (sequence + 1) >>> 0;
      data.writeUInt32BE(sequence, 0);
      const echoed = outstanding.start();
      socket.send(data, server).catch((err: Error) => outstanding.fail(err));
      const result = await echoed;
      if (outstanding.failure) throw outstanding.failure;
      return result;
    },
    async close() {
      outstanding.stop();
      await socket.close();
    },
  };
}
