// The conversation as the classic lab printed it ("Server is listening on …", "Connection from …
// has been established.", "Received from client: …"), adapted honestly for datagrams, which have no
// listen() and no accept(). Reads SocketEvents and the transport's description; never a socket.
import { AFTER_MESSAGE, type EventName, type SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";

/** Most events print no line; a server calls lines() several times per session. */
const NONE: readonly string[] = Object.freeze([]);

/** The only calls that ever make a line (besides failures, which the sink reports). */
export const CLASSIC_CALLS: ReadonlySet<EventName> = new Set([
  "listen",
  "bind",
  "accept",
  "recv",
  "recvfrom",
]);

export class ClassicLines {
  /** Datagram sessions already announced: the first datagram of a session is what opens it. */
  private readonly opened = new Set<number>();
  private readonly sock: string;

  constructor(private readonly transport: TransportInfo) {
    this.sock = `${transport.name}: ${transport.cFamily}, ${transport.cType}`;
  }

  /** The lab's lines for one event (often none). */
  lines(e: SocketEvent): readonly string[] {
    const { transport, sock } = this;
    if (e.errno || e.refusal) return NONE; // the sink says these, at warn too
    if (e.side === "server") {
      if (e.call === "listen") return [`Server is listening on ${e.local} (${sock})`];
      if (e.call === "bind" && !transport.connectionOriented) {
        return [
          `Server is bound to ${e.local} (${sock}; no listen() for datagrams: it receives from anyone)`,
        ];
      }
      if (e.call === "accept")
        return [`Connection from ${e.remote || "an unnamed unix socket"} has been established.`];
      // What came after the message is no part of it: one line at the session's close, not one a read.
      if (e.detail === AFTER_MESSAGE) return NONE;
      if ((e.call === "recv" || e.call === "recvfrom") && e.bytes) return this.received(e);
      if (e.call === "close" && e.discarded)
        return [`Discarded ${e.discarded} B the client sent after its message (session ${e.session}).`];
      return NONE;
    }
    if ((e.call === "recv" || e.call === "recvfrom") && e.bytes)
      return [`Received from server: ${e.preview}`];
    return NONE;
  }

  private received(e: SocketEvent): string[] {
    if (e.session === undefined) {
      return ["A datagram came from an unbound unix socket: there is no address to answer (unix(7))."];
    }
    const lines: string[] = [];
    if (e.call === "recvfrom" && !this.opened.has(e.session)) {
      this.opened.add(e.session);
      lines.push(
        `Datagram from ${e.remote} opened a session (no accept() for datagrams: the first datagram is the hello).`,
      );
    }
    lines.push(`Received from client (session ${e.session}): ${e.preview}`);
    return lines;
  }
}

/** Any event as one plain line, for --log-level debug and for failures. */
export function callLine(e: SocketEvent): string {
  const who = e.session === undefined ? e.side : `${e.side} session ${e.session}`;
  if (e.call === "refused")
    return `${who}: refused before ${e.detail}() by ${e.via}: ${e.message ?? e.errno}`;
  if (e.call === "gave-up")
    return `${who}: gave up waiting for ${e.detail}() at ${e.via}: ${e.message ?? e.errno}`;
  if (e.errno) return `${who}: ${e.message ?? `${e.call}() failed: ${e.errno}`}`;
  if (e.refusal) {
    const over = e.detail && e.call === "accept" ? `, ${e.detail}` : "";
    return `${who} (${e.remote || "an unnamed unix socket"}${over}): ${e.refusal}`;
  }
  if (e.call === "message-end") return `${who}: message ended: ${e.detail} (--message-end ${e.rule})`;
  if (e.call === "eof") return `${who}: EOF ('end' event): ${e.detail}`;
  const parts = [`${who}: ${e.call}()`];
  if (e.local) parts.push(`local ${e.local}`);
  if (e.remote) parts.push(`remote ${e.remote}`);
  if (e.bytes !== undefined) parts.push(`${e.bytes} B${e.preview ? ` "${e.preview}"` : ""}`);
  if (e.detail) parts.push(`(${e.detail})`);
  if (e.discarded) parts.push(`(${e.discarded} B after the message discarded)`);
  if (e.inferred) parts.push(`[inferred: inside ${e.via}]`);
  return parts.join(" ");
}
