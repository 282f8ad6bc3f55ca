// The server's half of datagram sessions, all on one socket. There is no accept(): a peer's first
// datagram (the hello) opens its session, the server answers the welcome, the peer's next datagram is
// the message, the server answers the ack, and the session ends. UDP may drop any of these, so the
// client resends; the server recognises a resent hello or message and answers it again.
//
// A UDP source address can be forged, so the server must not be an amplifier: to a peer it sends at
// most three times the bytes it has received from it (the rule of RFC 9000 §8.1, as QUIC servers do
// before an address is validated). A hello too short for the welcome is held until the peer has sent
// enough — our client's hello is long enough; a line typed into `nc -u` of 8 bytes or more is too.
import { createHash } from "node:crypto";
import type { OpError } from "../errors.js";
import { preview, refusedWith, type Trace } from "../trace/events.js";
import { type Api, madeBy } from "../transports/facts.js";
import type { DatagramSocket } from "../transports/transport.js";
import type { ProtocolOptions } from "./messages.js";

/** Bytes we may send per byte received from an address nobody has proven: RFC 9000 §8.1. */
export const AMPLIFICATION_LIMIT = 3;

/**
 * What the server keeps of a peer: digests of its hello and message, never the datagrams themselves,
 * so a thousand peers sending 64 KiB each cannot make it hold 128 MiB.
 */
interface PeerState {
  session: number;
  hello: string;
  /** Set once answered: a resent message gets the answer again instead of opening a new session. */
  message?: string;
  /** The answer when it was not the ack: the error line for a message too long. */
  reply?: Buffer;
  received: number;
  sent: number;
  /** A welcome the budget did not allow yet. */
  held?: Buffer;
  expires: NodeJS.Timeout;
}

export interface DatagramServer {
  readonly activeSessions: number;
  /** New peers are ignored from now on; sessions in progress go on. */
  stopAccepting(): void;
  close(): Promise<void>;
}

/** How long a finished session is remembered, to answer a client whose ack was lost. */
const REMEMBER_ACKED_MS = 10_000;

function digestOf(data: Buffer): string {
  return createHash("sha256").update(data).digest("base64");
}

export function serveDatagrams(
  socket: DatagramSocket,
  options: ProtocolOptions,
  trace: Trace,
  nextSession: () => number,
  /** Whose reads these are: Node's ('message' event), or the playground's own (the addon). */
  api: Api,
): DatagramServer {
  const read = madeBy(api, "'message' event", "socket.recv()");
  const peers = new Map<string, PeerState>();
  const local = socket.local;
  let active = 0;
  let accepting = true;

  const send = (data: Buffer, peer: string, state: PeerState) => {
    const record = { side: "server", session: state.session, call: "sendto", local, remote: peer } as const;
    if (state.sent + data.length > AMPLIFICATION_LIMIT * state.received) {
      const detail = `held: ${data.length} B would exceed ${AMPLIFICATION_LIMIT} × the ${state.received} B received`;
      trace({ ...record, inferred: false, detail });
      state.held = data;
      return;
    }
    state.held = undefined;
    state.sent += data.length;
    // Anything but the welcome and the ack is the error line of a message refused.
    const refusal = data === options.welcome || data === options.ack ? undefined : refusedWith(data);
    const sent = { bytes: data.length, preview: preview(data), ...(refusal && { refusal }) };
    trace({ ...record, inferred: false, via: "socket.send()", ...sent });
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

  /** Keep (or refresh) a peer's state; the least recently heard peer goes when there are too many. */
  const remember = (peer: string, state: PeerState, ms: number) => {
    clearTimeout(state.expires);
    peers.delete(peer); // re-insert so Map order is least recently heard first
    state.expires = setTimeout(() => forget(peer), ms);
    state.expires.unref();
    peers.set(peer, state);
    if (peers.size > options.maxPeers) forget(peers.keys().next().value as string);
  };

  /** The error line for a message over --max-message-bytes, or one the kernel cut (MSG_TRUNC). */
  const tooLong = (data: Buffer, cut: boolean | undefined) =>
    cut
      ? Buffer.from(`error: message cut: longer than the ${data.length} bytes this server reads of one\n`)
      : data.length > options.maxMessageBytes
        ? Buffer.from(`error: message longer than ${options.maxMessageBytes} bytes\n`)
        : undefined;

  socket.setHandlers({
    message(data, peer, cut) {
      const received = (session?: number) =>
        trace({
          side: "server",
          session,
          call: "recvfrom",
          ...read,
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
      const digest = digestOf(data);
      // A finished peer sending something new is starting over: a new session below.
      const previous = peers.get(peer)?.message;
      if (previous !== undefined && previous !== digest) forget(peer);
      const state = peers.get(peer);
      if (state) {
        received(state.session);
        state.received += data.length;
        if (state.message) return send(state.reply ?? options.ack, peer, state); // the reply was lost: again
        if (state.held || digest === state.hello) {
          // More of the hello, or the hello again: the welcome, once the budget allows.
          remember(peer, state, options.idleTimeout * 1000);
          return send(state.held ?? options.welcome, peer, state);
        }
        active--;
        state.message = digest;
        // Too long a message gets the error line a stream would, not the ack; the session ends.
        state.reply = tooLong(data, cut);
        remember(peer, state, REMEMBER_ACKED_MS);
        return send(state.reply ?? options.ack, peer, state);
      }
      if (!accepting) return received();
      const session = nextSession();
      active++;
      received(session);
      const fresh = { session, hello: digest, received: data.length, sent: 0 } as PeerState;
      remember(peer, fresh, options.idleTimeout * 1000);
      send(options.welcome, peer, fresh);
    },
    error(err) {
      // An ICMP error for an earlier reply, say: worth a line, never a crash.
      trace({
        side: "server",
        call: "recvfrom",
        ...read,
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
    stopAccepting() {
      accepting = false;
    },
    async close() {
      for (const state of peers.values()) clearTimeout(state.expires);
      peers.clear();
      active = 0;
      await socket.close();
    },
  };
}
