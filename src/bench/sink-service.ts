// The bench server's sink service (wire.ts): what arrives is counted and dropped, and the count goes
// back on request, so the load learns what got through: all of it on a stream, maybe not on UDP.
import { noTrace } from "../trace/events.js";
import type { Transport } from "../transports/transport.js";
import { type RunningService, serveConnections } from "./service.js";
import { encodeReport, REPORT_REQUEST, type SinkReport } from "./wire.js";

/** Senders remembered at once; each run of the load sends from a fresh socket. */
const MAX_PEERS = 1000;

export async function serveSink(transport: Transport, address: string): Promise<RunningService> {
  if (transport.kind === "datagram") {
    const socket = await transport.bind(address, noTrace);
    const peers = new Map<string, SinkReport>();
    socket.setHandlers({
      message: (data, from) => {
        if (!from) return; // an unbound unix sender cannot be answered, so it cannot be counted for
        let counted = peers.get(from);
        if (data[0] === REPORT_REQUEST) {
          socket.send(encodeReport(counted ?? { bytes: 0, datagrams: 0 }), from).catch(() => {});
          return;
        }
        if (!counted) {
          counted = { bytes: 0, datagrams: 0 };
          peers.set(from, counted);
          if (peers.size > MAX_PEERS) peers.delete(peers.keys().next().value as string);
        }
        counted.bytes += data.length;
        counted.datagrams++;
      },
      error: () => {},
    });
    return { address: socket.local, close: () => socket.close() };
  }
  return serveConnections(transport, address, (connection) => {
    const counted: SinkReport = { bytes: 0, datagrams: 0 };
    return {
      data: (chunk) => {
        counted.bytes += chunk.length;
        counted.datagrams++;
      },
      end: () => {
        connection.write(encodeReport(counted)).catch(() => {});
        connection.end();
      },
    };
  });
}
