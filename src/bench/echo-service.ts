// The bench server's echo service (wire.ts): what arrives goes straight back, on the playground's own
// transports, so a pingpong measures the playground's socket code and not a stand-in.
import { noTrace } from "../trace/events.js";
import type { Connection, Transport } from "../transports/transport.js";

export interface RunningService {
  readonly address: string;
  close(): Promise<void>;
}

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
  const open = new Set<Connection>();
  const listener = await transport.listen(
    address,
    (connection) => {
      open.add(connection);
      connection.setHandlers({
        data: (chunk) => {
          connection.write(chunk).catch(() => {});
        },
        end: () => connection.end(),
        close: () => open.delete(connection),
      });
    },
    noTrace,
  );
  return {
    address: listener.address,
    close: async () => {
      for (const connection of open) connection.destroy();
      await listener.close();
    },
  };
}
