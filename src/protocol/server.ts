// A server for any transport: the one place that picks the session shape (one connection per peer,
// or one datagram socket for all), so the commands and tests never branch on the family or type.
import { preview, type Trace } from "../trace/events.js";
import { type Api, madeBy } from "../transports/facts.js";
import type { Connection, ListenOptions, Transport } from "../transports/transport.js";
import { SessionsShared, serveConnection } from "./connection-server.js";
import { serveDatagrams } from "./datagram-server.js";
import { FD_ROOM } from "./fd-limit.js";
import { BUSY, type ProtocolOptions } from "./messages.js";

/** Busy replies in flight at once: the descriptors a server keeps free beyond its cap, but a few. */
const TURN_AWAY_ROOM = FD_ROOM - 16;

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
  listenOptions: ListenOptions = {},
): Promise<RunningServer> {
  let sessions = 0;
  const nextSession = () => ++sessions;

  if (transport.kind === "datagram") {
    const socket = await transport.bind(address, trace, listenOptions);
    const server = serveDatagrams(socket, options, trace, nextSession, transport.api);
    return {
      address: socket.local,
      get activeSessions() {
        return server.activeSessions;
      },
      close: async (drainSeconds = 0) => {
        server.stopAccepting();
        await waitUntil(() => server.activeSessions === 0, drainSeconds);
        await server.close();
      },
    };
  }

  const open = new Set<Connection>();
  const shared = new SessionsShared(options, trace);
  let turningAway = 0;
  const onConnection = (connection: Connection) => {
    if (open.size >= options.maxConnections) {
      // Each busy reply holds a descriptor until the peer closes (at most a second). Past the room
      // kept for them (fd-limit.ts) a flood would run the process out of descriptors, so the rest
      // are closed at once, without the line.
      if (turningAway >= TURN_AWAY_ROOM) return closeAtOnce(connection, trace, transport.api);
      turningAway++;
      return turnAway(connection, trace, () => turningAway--, transport.api);
    }
    open.add(connection);
    serveConnection(connection, nextSession(), transport, options, trace, shared, () => {
      open.delete(connection);
    });
  };
  const listener = await transport.listen(address, onConnection, trace, listenOptions);
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

/** Over the connection cap: a short busy reply and a close, while the sessions in progress go on. */
function turnAway(connection: Connection, trace: Trace, closed: () => void, api: Api): void {
  const { local, remote } = connection;
  const busy = Buffer.from(BUSY);
  traceOverCap(connection, trace, api, "over --max-connections", `turned away: answered "${preview(busy)}"`);
  trace({
    side: "server",
    call: "send",
    inferred: false,
    via: "socket.write()",
    local,
    remote,
    bytes: busy.length,
    preview: preview(busy),
  });
  connection.setHandlers({ data: () => {}, end: () => {}, close: closed });
  connection.write(busy).catch(() => {});
  connection.end();
  // A peer that never closes its side must not keep even this socket for long.
  setTimeout(() => connection.destroy(), 1000).unref();
}

/** Over the cap with the room for busy replies in flight used up (TURN_AWAY_ROOM): closed without a word. */
function closeAtOnce(connection: Connection, trace: Trace, api: Api): void {
  traceOverCap(
    connection,
    trace,
    api,
    `over --max-connections, and ${TURN_AWAY_ROOM} busy replies already in flight (room kept under ulimit -n)`,
    "turned away: closed without an answer",
  );
  trace({
    side: "server",
    call: "close",
    inferred: false,
    via: "socket.destroy()",
    ...addresses(connection),
  });
  connection.destroy();
}

function traceOverCap(connection: Connection, trace: Trace, api: Api, detail: string, refusal: string): void {
  trace({
    side: "server",
    call: "accept",
    ...madeBy(api, "'connection' event", "socket.accept()"),
    ...addresses(connection),
    detail,
    refusal,
  });
}

function addresses({ local, remote }: Connection): { local: string; remote: string } {
  return { local, remote };
}

async function waitUntil(done: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
