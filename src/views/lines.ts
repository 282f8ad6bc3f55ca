// The conversation as the classic lab printed it ("Server is listening on …", "Connection from …
// has been established.", "Received from client: …"), adapted honestly for datagrams, which have no
// listen() and no accept(). Reads SocketEvents and the transport's description; never a socket.
import { AFTER_MESSAGE, type EventName, type SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";

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

  /**
   * The lab's lines for one event (often none), each handed to `say`: a server calls this several
   * times a session, and an array for each call was garbage for every one.
   */
  lines(e: SocketEvent, say: (line: string) => void): void {
    if (e.errno || e.refusal) return; // the sink says these, at warn too
    if (this.opens(e)) {
      say(
        `Datagram from ${e.remote} opened a session (no accept() for datagrams: the first datagram is the hello).`,
      );
    }
    const line = this.line(e);
    if (line !== undefined) say(line);
  }

  /** Whether `e` is the first datagram of a session. */
  private opens(e: SocketEvent): boolean {
    if (e.side !== "server" || e.call !== "recvfrom" || !e.bytes || e.session === undefined) return false;
    if (e.detail === AFTER_MESSAGE || this.opened.has(e.session)) return false;
    this.opened.add(e.session);
    return true;
  }

  /** The line an event makes, if any (besides the one that opens a datagram session: opens()). */
  private line(e: SocketEvent): string | undefined {
    const { transport, sock } = this;
    const read = (e.call === "recv" || e.call === "recvfrom") && e.bytes;
    if (e.side !== "server") return read ? `Received from server: ${e.preview}` : undefined;
    if (e.call === "listen") return `Server is listening on ${e.local} (${sock})`;
    if (e.call === "bind" && !transport.connectionOriented) {
      return `Server is bound to ${e.local} (${sock}; no listen() for datagrams: it receives from anyone)`;
    }
    if (e.call === "accept")
      return `Connection from ${e.remote || "an unnamed unix socket"} has been established.`;
    // What came after the message is no part of it: one line at the session's close, not one a read.
    if (e.detail === AFTER_MESSAGE) return undefined;
    if (read) {
      return e.session === undefined
        ? "A datagram came from an unbound unix socket: there is no address to answer (unix(7))."
        : `Received from client (session ${e.session}): ${e.preview}`;
    }
    if (e.call === "close" && e.discarded) {
      return `Discarded ${e.discarded} B the client sent after its message (session ${e.session}).`;
    }
    return undefined;
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
