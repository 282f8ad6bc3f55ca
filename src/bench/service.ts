// What the bench server's services share: the running service's shape, and the bookkeeping of a
// connection-oriented service (every open connection closed with it).
import { noTrace } from "../trace/events.js";
import type { Connection, ConnectionHandlers, ConnectionTransport } from "../transports/transport.js";

export interface RunningService {
  readonly address: string;
  close(): Promise<void>;
}

/** Listen on a stream or seqpacket transport; `handlersFor` says what each connection does. */
export async function serveConnections(
  transport: ConnectionTransport,
  address: string,
  handlersFor: (connection: Connection) => Omit<ConnectionHandlers, "close">,
): Promise<RunningService> {
  const open = new Set<Connection>();
  const listener = await transport.listen(
    address,
    (connection) => {
      open.add(connection);
      connection.setHandlers({ ...handlersFor(connection), close: () => open.delete(connection) });
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
