// The bench server's echo service (wire.ts): what arrives goes straight back, on the playground's own
// transports, so a pingpong measures the playground's socket code and not a stand-in.
import { noTrace } from "../trace/events.js";
import type { Transport } from "../transports/transport.js";
import { type RunningService, serveConnections } from "./service.js";

export async function serveEcho(transport: Transport, address: string): Promise<RunningService> {
  if (transport.kind === "datagram") {
    const socket = await transport.bind(address, noTrace);
    socket.setHandlers({
      // An unbound unix sender ("") has no address to answer: unix(7).
      message: (data, from) => {
        if (from) socket.send(data, from).catch(() => {});
      },
      error: () => {},
    });
    return { address: socket.local, close: () => socket.close() };
  }
  return serveConnections(transport, address, (connection) => ({
    data: (chunk) => {
      connection.write(chunk).catch(() => {});
    },
    end: () => connection.end(),
  }));
}
