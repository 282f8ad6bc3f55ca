// A few notes after the diagram on what was special about this family and type, each citing the man
// page it comes from. Every note is chosen by the transport's description or by what this run did.
import type { SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import { endedByText } from "./ladder.js";

export function notesFor(events: readonly SocketEvent[], transport: TransportInfo): string[] {
  const notes: string[] = [];
  const server = events.filter((e) => e.side === "server" && !e.errno);
  const client = events.filter((e) => e.side === "client" && !e.errno);
  const bound = server.find((e) => e.call === "bind")?.local ?? "";

  if (transport.connectionOriented) {
    notes.push(
      "accept() returned a new socket for the client; the listening socket went on listening. Node " +
        "accepts by itself and hands over the new socket in its 'connection' event. — accept(2)",
    );
  } else {
    notes.push(
      "No listen() and no accept() for datagrams: the server only binds, receives from anyone, and " +
        "learns each peer from recvfrom(); the first datagram is what opens a session. — udp(7), unix(7), recv(2)",
    );
  }
  if (transport.family === "unix" && transport.type === "dgram") {
    notes.push(
      "The unix datagram client had to bind() a path of its own: an unbound sender has no address, " +
        "so recvfrom() would give the server nowhere to send the reply. — unix(7)",
    );
  }
  if (!transport.connectionOriented && client.some((e) => e.call === "connect")) {
    notes.push(
      "connect() on a datagram socket sends nothing: it only sets the default peer for send() and " +
        "makes the kernel drop datagrams from anyone else. — connect(2), udp(7)",
    );
  }
  notes.push(boundaryNote(server, client, transport));
  const ended = server.find((e) => e.call === "message-end");
  if (ended) notes.push(messageEndNote(ended));
  if (transport.family === "unix") {
    notes.push(
      bound.startsWith("@")
        ? `${bound} is an abstract name: no file, and it vanished when the socket closed. — unix(7)`
        : `The address ${bound} is a file that bind() created; closing the socket does not remove it, ` +
            `so it must be unlink()ed (${transport.builtOn.startsWith("node:net") ? "node:net does that on server.close()" : "node-unix-socket does not, so the playground does"}). — unix(7)`,
    );
  }
  if (client.some((e) => e.call === "shutdown") && transport.type === "stream") {
    notes.push(
      `shutdown(SHUT_WR) sent EOF${ended?.detail === "eof" ? ", ending the message," : ""} while the ` +
        "client could still read the ack. — shutdown(2)",
    );
  }
  return notes;
}

/** Boundaries as this run saw them: the sends of one side against the receives of the other. */
function boundaryNote(server: SocketEvent[], client: SocketEvent[], transport: TransportInfo): string {
  const count = (events: SocketEvent[], calls: string[]) =>
    events.filter((e) => calls.includes(e.call) && (e.bytes ?? 0) > 0).length;
  const sent = count(client, ["send", "sendto"]) + count(server, ["send", "sendto"]);
  const received = count(server, ["recv", "recvfrom"]) + count(client, ["recv", "recvfrom"]);
  const seen = `in this run ${sent} send()s arrived as ${received} recv()s`;
  return transport.preservesBoundaries
    ? `${transport.cType} keeps message boundaries: each send() arrives as exactly one recv() (${seen}). — unix(7), udp(7)`
    : `SOCK_STREAM keeps no message boundaries: several send()s may arrive as one recv(), or one as several (${seen}); so where a message ends is the server's rule, --message-end. — tcp(7), unix(7), recv(2)`;
}

/** Which rule ended the message in this run, and what that rule gets wrong. */
function messageEndNote(e: SocketEvent): string {
  const rule = `--message-end ${e.rule}`;
  switch (e.detail) {
    case "recv":
      return (
        `The first recv() was taken as the whole message, as the lab's server does (${rule}): a client ` +
        "that sends and waits gets its ack at once, but a message that arrives in two pieces is acked " +
        "after the first. — recv(2), tcp(7)"
      );
    case "newline":
      return (
        `A newline ended the message (${rule}): whatever way the stream cut it, the whole line was read; ` +
        "a client that sends no newline waits for its EOF or the message timeout. — recv(2), tcp(7)"
      );
    case "pause":
      return (
        `The message ended when the client fell quiet for ${endedByText(e).replace(" pause", "")} ` +
        `(${rule}): every session that sends and waits takes that long, and a client that pauses ` +
        "mid-message gets a prefix acked. — recv(2), tcp(7)"
      );
    default:
      return (
        `EOF ended the message (${rule}): the client's shutdown(SHUT_WR) said nothing more would come, ` +
        "so the message was whole however the stream cut it. — shutdown(2), recv(2)"
      );
  }
}
