// The conversation as the classic lab printed it, adapted honestly for datagrams (which have no
// listen() and no accept()). Reads events and the transport's description; never a socket.
import type { ProtocolEvent } from "../protocol/events.js";
import type { TransportInfo } from "../transports/transport.js";

/** One event as a human line. */
export function humanLine(event: ProtocolEvent, transport: TransportInfo): string {
  switch (event.event) {
    case "listening":
      return transport.connectionOriented
        ? `Server is listening on ${event.address} (${transport.name}: ${transport.cFamily}, ${transport.cType})`
        : `Server is bound to ${event.address} (${transport.name}: ${transport.cFamily}, ${transport.cType}; ` +
            "no listen() for datagrams: it receives from anyone)";
    case "connection":
      return `Connection from ${event.peer || "an unnamed unix socket"} has been established.`;
    case "session-opened":
      return `Datagram from ${event.peer} opened a session (no accept() for datagrams: the first datagram is the hello).`;
    case "received":
      if (event.side === "client") return `Received from server: ${event.text}`;
      return `Received from client${event.session === undefined ? "" : ` (session ${event.session})`}: ${event.text}`;
    case "connected":
      return `Connected to ${event.server}${event.local ? ` from ${event.local}` : ""}.`;
    case "bound":
      return `Client socket bound to ${event.local}.`;
    case "sent":
      return `${event.side === "client" ? "Client" : "Server"} sent ${event.bytes} bytes to ${event.peer || "the peer"}: ${event.text}`;
    case "resent":
      return `${event.side === "client" ? "Client" : "Server"} sent again (attempt ${event.attempt + 1}): no reply yet`;
    case "session-closed":
      return `Session ${event.session} with ${event.peer || "an unnamed unix socket"} closed: ${event.outcome}.`;
    case "note":
      return `note: ${event.text}`;
    case "error":
      return `${event.side}${event.session === undefined ? "" : ` session ${event.session}`}: ${event.message}`;
  }
}
