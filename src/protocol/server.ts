// A server for any transport: the one place that picks the session shape (one connection per peer,
// or one datagram socket for all), so the commands and tests never branch on the family or type.
import type { Trace } from "../trace/events.js";
import type { Connection, Transport } from "../transports/transport.js";
import { serveConnection } from "./connection-server.js";
import { serveDatagrams } from "./datagram-server.js";
import type { ProtocolOptions } from "./messages.js";

export interface RunningServer {
  /** The address actually bound: the kernel's port for port 0. */
  readonly address: string;
  readonly activeSessions: number;
  /** Stop taking new peers, give the sessions in progress up to drainSeconds, then close. */
  close(drainSeconds?: number): Promise<void>;
}

export async function startServer(
  transport: Transport,
  address: string,
  options: ProtocolOptions,
  trace: Trace,
): Promise<RunningServer> {
  let sessions = 0;
  const nextSession = () => ++sessions;

  if (transport.kind === "datagram") {
    const socket = await transport.bind(address, trace);
    const server = serveDatagrams(socket, options, trace, nextSession);
    return {
      address: socket.local,
      get activeSessions() {
        return server.activeSessions;
      },
      close: async (drainSeconds = 0) => {
        await waitUntil(() => server.activeSessions === 0, drainSeconds);
        await server.close();
      },
    };
  }

  const open = new Set<Connection>();
  const onConnection = (connection: Connection) => {
    open.add(connection);
    void serveConnection(connection, nextSession(), transport.preservesBoundaries, options, trace).finally(
      () => {
        open.delete(connection);
      },
    );
  };
  const listener = await transport.listen(address, onConnection, trace);
  return {
    address: listener.address,
    get activeSessions() {
      return open.size;
    },
    close: async (drainSeconds = 0) => {
      const closed = listener.close();
      await waitUntil(() => open.size === 0, drainSeconds);
      for (const connection of open) connection.destroy();
      await closed;
    },
  };
}

async function waitUntil(done: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
