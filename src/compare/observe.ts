// What one traced session shows about a transport: the calls each side made before any data, and
// what happened to a message sent in two pieces (are the boundaries kept?).
import { runClient } from "../protocol/client.js";
import { DEFAULT_PROTOCOL, HELLO, MESSAGE } from "../protocol/messages.js";
import { startServer } from "../protocol/server.js";
import { isCall, noTrace, type SocketEvent } from "../trace/events.js";
import { createTracer } from "../trace/tracer.js";
import type { Transport } from "../transports/transport.js";
import { captureWire } from "../wire/session.js";
import type { Wire } from "../wire/wire.js";

export interface SetupCalls {
  server: string[];
  client: string[];
}

/** One whole session, traced: its events, and with `capture` what crossed the wire (wire/session.ts). */
export async function tracedSession(
  transport: Transport,
  address: string,
  capture = false,
): Promise<{ events: SocketEvent[]; wire?: Wire }> {
  const events: SocketEvent[] = [];
  const trace = createTracer(transport, (e) => events.push(e));
  const server = await startServer(transport, address, DEFAULT_PROTOCOL, trace);
  const capturing = capture ? await captureWire(transport, server.address, trace.origin) : undefined;
  let wire: Wire | undefined;
  try {
    await runClient(
      transport,
      server.address,
      { message: Buffer.from(MESSAGE), timeout: 5, retries: 3 },
      trace,
    );
  } finally {
    await server.close(1);
    wire = await capturing?.stop();
  }
  return wire ? { events, wire } : { events };
}

/** The calls each side made before it moved any data; `*` marks those Node made inside another call. */
export function setupCalls(events: readonly SocketEvent[]): SetupCalls {
  const before = (side: "server" | "client") => {
    const calls: string[] = [];
    for (const e of events.filter((x) => x.side === side && isCall(x))) {
      if (["send", "sendto", "recv", "recvfrom", "shutdown", "close"].includes(e.call)) break;
      calls.push(`${e.call}${e.inferred ? "*" : ""}`);
    }
    return calls;
  };
  return { server: before("server"), client: before("client") };
}

export interface BoundaryObservation {
  /** Sizes of the client's two send()s of the message. */
  sends: number[];
  /** Sizes of the server's recv()s of those bytes. */
  reads: number[];
}

/**
 * Send the message in two send() calls, one right after the other, and see what the server's
 * recv()s return: one read of both (the stream merged them), two reads (kept, or split by chance).
 */
export async function observeBoundaries(transport: Transport, address: string): Promise<BoundaryObservation> {
  const events: SocketEvent[] = [];
  const server = await startServer(
    transport,
    address,
    DEFAULT_PROTOCOL,
    createTracer(transport, (e) => events.push(e)),
  );
  const cut = MESSAGE.indexOf(" ", 10) + 1;
  const pieces = [Buffer.from(MESSAGE.slice(0, cut)), Buffer.from(MESSAGE.slice(cut))];
  try {
    await (transport.kind === "connection"
      ? sendInTwo(transport, server.address, pieces)
      : sendInTwoDatagrams(transport, server.address, pieces));
  } finally {
    await server.close(0);
  }
  const reads = events
    .filter((e) => e.side === "server" && (e.call === "recv" || e.call === "recvfrom") && e.bytes)
    .map((e) => e.bytes as number);
  // A datagram session begins with the hello; what follows is the message.
  return {
    sends: pieces.map((p) => p.length),
    reads: transport.kind === "datagram" ? reads.slice(1) : reads,
  };
}

async function sendInTwo(
  transport: Extract<Transport, { kind: "connection" }>,
  server: string,
  pieces: Buffer[],
): Promise<void> {
  const connection = await transport.dial(server, noTrace);
  const closed = new Promise<void>((resolve) => {
    let welcomed = false;
    connection.setHandlers({
      data: () => {
        if (welcomed) return;
        welcomed = true;
        // Both writes are handed to the kernel before the server's event loop can read either.
        for (const piece of pieces) void connection.write(piece).catch(() => {});
        connection.end();
      },
      end: () => {},
      close: () => resolve(),
    });
  });
  await withTimeout(closed, 5000);
}

async function sendInTwoDatagrams(
  transport: Extract<Transport, { kind: "datagram" }>,
  server: string,
  pieces: Buffer[],
): Promise<void> {
  const socket = await transport.open(server, noTrace);
  try {
    let replies = 0;
    const welcomed = new Promise<void>((resolve) => {
      socket.setHandlers({
        message: () => {
          replies++;
          resolve();
        },
        error: () => {},
      });
    });
    await socket.send(Buffer.from(HELLO), server);
    await withTimeout(welcomed, 2000);
    await Promise.all(pieces.map((piece) => socket.send(piece, server)));
    // The server answers both pieces (an ack, then a welcome for the piece it takes as a new hello).
    const deadline = Date.now() + 1000;
    while (replies < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  } finally {
    await socket.close();
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return Promise.race([promise, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
}
