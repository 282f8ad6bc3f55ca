// The server's half of datagram sessions, all on one socket. There is no accept(): a peer's first
// datagram (the hello) opens its session, the server answers the welcome, the peer's next datagram is
// the message, the server answers the ack, and the session ends. UDP may drop any of these, so the
// client resends; the server recognises a resent hello or message and answers it again.
import type { OpError } from "../errors.js";
import { preview, type Trace } from "../trace/events.js";
import type { DatagramSocket } from "../transports/transport.js";
import type { ProtocolOptions } from "./messages.js";

interface PeerState {
  session: number;
  hello: Buffer;
  /** Set once acked: a resent message gets the ack again instead of opening a new session. */
  message?: Buffer;
  expires: NodeJS.Timeout;
}

export interface DatagramServer {
  readonly activeSessions: number;
  close(): Promise<void>;
}

/** How long a finished session is remembered, to answer a client whose ack was lost. */
const REMEMBER_ACKED_MS = 10_000;
/** The most peers remembered at once; the oldest is forgotten first, so no sender can grow memory. */
const MAX_PEERS = 1000;

export function serveDatagrams(
  socket: DatagramSocket,
  options: ProtocolOptions,
  trace: Trace,
  nextSession: () => number,
): DatagramServer {
  const peers = new Map<string, PeerState>();
  const local = socket.local;
  let active = 0;

  const send = (data: Buffer, peer: string, session: number) => {
    const record = { side: "server", session, call: "sendto", local, remote: peer } as const;
    trace({ ...record, inferred: false, via: "socket.send()", bytes: data.length, preview: preview(data) });
    socket
      .send(data, peer)
      .catch((err: OpError) => trace({ ...record, inferred: false, errno: err.code, message: err.message }));
  };

  const forget = (peer: string) => {
    const state = peers.get(peer);
    if (!state) return;
    clearTimeout(state.expires);
    if (!state.message) active--; // it never sent its message: a session that timed out
    peers.delete(peer);
  };

  const remember = (peer: string, state: Omit<PeerState, "expires">, ms: number) => {
    const old = peers.get(peer);
    if (old) clearTimeout(old.expires);
    peers.delete(peer); // re-insert so Map order is least recently used first
    const expires = setTimeout(() => forget(peer), ms);
    expires.unref();
    peers.set(peer, { ...state, expires });
    if (peers.size > MAX_PEERS) forget(peers.keys().next().value as string);
  };

  socket.setHandlers({
    message(data, peer) {
      const received = (session?: number) =>
        trace({
          side: "server",
          session,
          call: "recvfrom",
          inferred: true,
          via: "'message' event",
          local,
          remote: peer,
          bytes: data.length,
          preview: preview(data),
        });
      if (peer === "") {
        // unix(7): a sender that never bound has no address, so there is nowhere to send a reply.
        received();
        return;
      }
      // A finished peer sending something new is starting over: a new session below.
      if (peers.get(peer)?.message?.equals(data) === false) forget(peer);
      const state = peers.get(peer);
      if (state) {
        received(state.session);
        if (state.message) return send(options.ack, peer, state.session); // the ack was lost: again
        if (data.equals(state.hello)) return send(options.welcome, peer, state.session); // a resent hello
        active--;
        remember(peer, { ...state, message: data }, REMEMBER_ACKED_MS);
        return send(options.ack, peer, state.session);
      }
      const session = nextSession();
      active++;
      received(session);
      remember(peer, { session, hello: data }, options.idleTimeout * 1000);
      send(options.welcome, peer, session);
    },
    error(err) {
      // An ICMP error for an earlier reply, say: worth a line, never a crash.
      trace({
        side: "server",
        call: "recvfrom",
        inferred: true,
        local,
        errno: err.code,
        message: err.message,
      });
    },
  });

  return {
    get activeSessions() {
      return active;
    },
    async close() {
      for (const state of peers.values()) clearTimeout(state.expires);
      peers.clear();
      await socket.close();
    },
  };
}
