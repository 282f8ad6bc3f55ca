// A few notes after the diagram on what was special about this family and type, each citing the man
// page it comes from. Every note is chosen by the transport's description or by what this run did.

import { keepsWholeMessages, type MessageEnd, parseMessageEnd } from "../protocol/message-end.js";
import type { SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";

export function notesFor(events: readonly SocketEvent[], transport: TransportInfo): string[] {
  const notes: string[] = [];
  const server = events.filter((e) => e.side === "server" && !e.errno);
  const client = events.filter((e) => e.side === "client" && !e.errno);
  const bind = server.find((e) => e.call === "bind");
  const did = (side: SocketEvent[], ...calls: string[]) => side.some((e) => calls.includes(e.call));
  const sent = did(client, "send", "sendto") || did(server, "send", "sendto");

  // Each note is about a call this run made: a run that failed early explains no accept() it never got.
  if (transport.connectionOriented && did(server, "accept")) {
    const how =
      transport.api === "unix-addon"
        ? "The playground calls accept() itself when the listening socket is readable."
        : "Node accepts by itself and hands over the new socket in its 'connection' event.";
    notes.push(
      `accept() returned a new socket for the client; the listening socket went on listening. ${how} — accept(2)`,
    );
  }
  // A client alone (or one whose hello went nowhere) shows no server: nothing here says how it received.
  if (!transport.connectionOriented && bind) {
    notes.push(
      "No listen() and no accept() for datagrams: the server only binds, receives from anyone, and " +
        "learns each peer from recvfrom(); the first datagram is what opens a session. — udp(7), unix(7), recv(2)",
    );
  }
  if (transport.family === "unix" && transport.type === "dgram" && did(client, "bind")) {
    notes.push(
      "The unix datagram client had to bind() a path of its own: an unbound sender has no address, " +
        "so recvfrom() would give the server nowhere to send the reply. — unix(7)",
    );
  }
  if (!transport.connectionOriented && did(client, "connect")) {
    notes.push(
      "connect() on a datagram socket sends nothing: it only sets the default peer for send() and " +
        "makes the kernel refuse datagrams from anyone else, answering each with ICMP port unreachable " +
        "(a stranger that is connect()ed hears ECONNREFUSED). — connect(2), udp(7)",
    );
  }
  const boundaries = sent ? boundaryNote(server, client, transport) : undefined;
  if (boundaries) notes.push(boundaries);
  const ended = server.find((e) => e.call === "message-end");
  if (ended) notes.push(messageEndNote(ended));
  if (transport.family === "unix" && bind?.local)
    notes.push(socketFileNote(bind.local, bind.requested, transport));
  // Only where the ack did come back after the EOF: a run that failed there read nothing more.
  const shutdown = client.find((e) => e.call === "shutdown");
  const readAfter = shutdown && client.some((e) => isRead(e) && e.t > shutdown.t);
  if (readAfter && transport.type === "stream") {
    notes.push(
      `shutdown(SHUT_WR) sent EOF${ended?.detail === "eof" ? ", ending the message," : ""} while the ` +
        "client could still read the ack. — shutdown(2)",
    );
  }
  return notes;
}

/** What the socket's name is, and who removes its file. */
function socketFileNote(bound: string, placedAt: string | undefined, transport: TransportInfo): string {
  if (bound.startsWith("@"))
    return `${bound} is an abstract name: no file, and it vanished when the socket closed. — unix(7)`;
  if (placedAt) {
    return (
      `The address ${bound} is a file: bind() created it as ${placedAt}, in a private 0700 directory, and ` +
      "the playground linked it into place (link(2) never replaces a file). Closing the socket does not " +
      "remove it: the playground unlinks it on exit, if it is still its own. — unix(7), link(2)"
    );
  }
  const unlinks = transport.closeUnlinks
    ? `${transport.api} does that on server.close()`
    : "the kernel does not, so the playground does";
  return (
    `The address ${bound} is a file that bind() created; closing the socket does not remove it, so it ` +
    `must be unlink()ed (${unlinks}). — unix(7)`
  );
}

/** A receive that returned bytes. */
function isRead(e: SocketEvent): boolean {
  return (e.call === "recv" || e.call === "recvfrom") && (e.bytes ?? 0) > 0;
}

/**
 * Boundaries as this run saw them: each side's sends against the other side's receives, counted only
 * where both sides are in the run (a client alone cannot see how its sends arrived). None where
 * nothing was received: a run in which nothing arrived shows nothing of how sends arrive.
 */
function boundaryNote(
  server: SocketEvent[],
  client: SocketEvent[],
  transport: TransportInfo,
): string | undefined {
  const count = (events: SocketEvent[], calls: string[]) =>
    events.filter((e) => calls.includes(e.call) && (e.bytes ?? 0) > 0).length;
  const [sends, recvs] = [
    ["send", "sendto"],
    ["recv", "recvfrom"],
  ];
  const sent = count(client, sends) + count(server, sends);
  const received = count(server, recvs) + count(client, recvs);
  if (received === 0) return undefined;
  const seen =
    server.length > 0 && client.length > 0
      ? ` (in this run ${sent} send()s arrived as ${received} recv()s)`
      : "";
  return transport.preservesBoundaries
    ? `${transport.cType} keeps message boundaries: each send() arrives as exactly one recv()${seen}. — unix(7), udp(7)`
    : `SOCK_STREAM keeps no message boundaries: several send()s may arrive as one recv(), or one as several${seen}; so where a message ends is the server's rule, --message-end. — tcp(7), unix(7), recv(2)`;
}

/** What ended the message in this run, and what the rule in force gets wrong. */
function messageEndNote(e: SocketEvent): string {
  const rule = parseMessageEnd(e.rule ?? "recv");
  const what = {
    recv: "The first recv() was taken as the whole message, as the lab's server does",
    newline: "A newline ended the message",
    pause: `The message ended when the client fell quiet for ${rule.pauseMs} ms`,
    eof: "EOF ended the message: the client's shutdown(SHUT_WR) said nothing more would come",
  }[e.detail as "recv" | "newline" | "pause" | "eof"];
  return `${what} (--message-end ${e.rule}). ${tradeOf(rule)} — recv(2), tcp(7)`;
}

/** What a rule gets wrong, in one sentence: a stream keeps no boundaries, so every rule trades. */
function tradeOf(rule: MessageEnd): string {
  if (keepsWholeMessages(rule)) {
    const waits = rule.newline
      ? "a client that sends no newline and waits gets its ack only at its EOF, or none by the message timeout"
      : "a client that sends and waits without shutting down its side gets no ack: the message timeout ends it";
    return `This rule reads whole messages however the stream cuts them, but ${waits}.`;
  }
  const served = rule.recv ? "at once" : `after ${rule.pauseMs} ms of quiet`;
  const prefix = rule.recv
    ? "a message that arrives in two pieces is acked after the first"
    : "a client that pauses mid-message gets the part before the pause acked";
  return `A client that sends and waits is served ${served}, but ${prefix}.`;
}
