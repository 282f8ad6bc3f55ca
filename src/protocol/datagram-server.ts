// The server's half of datagram sessions, all on one socket. There is no accept(): a peer's first
// datagram (the hello) opens its session, the server answers the welcome, the peer's next datagram is
// the message, the server answers the ack, and the session ends. UDP may drop any of these, so the
// client resends; the server recognises a resent hello or message and answers it again.
import type { OpError } from "../errors.js";
import type { DatagramSocket } from "../transports/transport.js";
import type { Report } from "./events.js";
import { type ProtocolOptions, printable } from "./messages.js";

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
  report: Report,
  nextSession: () => number,
): DatagramServer {
  const peers = new Map<string, PeerState>();
  let active = 0;

  const send = (data: Buffer, peer: string, session: number) =>
    socket.send(data, peer).then(
      () =>
        report({ event: "sent", side: "server", session, peer, bytes: data.length, text: printable(data) }),
      (err: OpError) =>
        report({ event: "error", side: "server", session, code: err.code, message: err.message }),
    );

  const forget = (peer: string) => {
    const state = peers.get(peer);
    if (!state) return;
    clearTimeout(state.expires);
    if (!state.message) {
      active--;
      report({ event: "session-closed", side: "server", session: state.session, peer, outcome: "timeout" });
    }
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
      if (peer === "") {
        // unix(7): a sender that never bound has no address, so there is nowhere to send a reply.
        report({
          event: "note",
          side: "server",
          text: "a datagram came from an unbound unix socket: no address to answer",
        });
        return;
      }
      const state = peers.get(peer);
      if (state?.message) {
        if (data.equals(state.message)) return void send(options.ack, peer, state.session);
        forget(peer); // a finished peer starting over: a new session below
      } else if (state) {
        if (data.equals(state.hello)) return void send(options.welcome, peer, state.session);
        report({
          event: "received",
          side: "server",
          session: state.session,
          peer,
          bytes: data.length,
          text: printable(data),
        });
        active--;
        remember(peer, { ...state, message: data }, REMEMBER_ACKED_MS);
        return void send(options.ack, peer, state.session).then(() =>
          report({ event: "session-closed", side: "server", session: state.session, peer, outcome: "acked" }),
        );
      }
      const session = nextSession();
      active++;
      report({ event: "session-opened", side: "server", session, peer });
      report({ event: "received", side: "server", session, peer, bytes: data.length, text: printable(data) });
      remember(peer, { session, hello: data }, options.idleTimeout * 1000);
      void send(options.welcome, peer, session);
    },
    error(err) {
      // An ICMP error for an earlier reply, say: worth a line, never a crash.
      report({ event: "error", side: "server", code: err.code, message: err.message });
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
