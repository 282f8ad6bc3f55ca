import { OpError } from "../errors.js";
import { preview } from "../trace/events.js";
import type { TransportName } from "../transports/transport.js";
import { LAB_RULE, type MessageEnd } from "./message-end.js";

// The bytes of the classic networking lab, exactly, with no terminator: a classic BSD-sockets
// client (connect, recv(1024), sendall, recv(1024), close) meets our server byte for byte.
export const WELCOME = "Welcome to the server!";
export const MESSAGE = "Hello, Server! This is the client.";
export const ACK = "Message received!";
const ACK_BYTES = Buffer.from(ACK);

/**
 * A client's session succeeds only with the lab's ack: any other reply (an error line, a busy line,
 * garbage) is a failure that says what the server answered instead.
 */
export function checkAck(reply: Buffer, transport: TransportName, server: string): void {
  // One line ending is the reply's terminator, not part of the ack (the client's reader keeps it).
  const end = reply.at(-1) === 0x0a ? (reply.at(-2) === 0x0d ? 2 : 1) : 0;
  if (reply.subarray(0, reply.length - end).equals(ACK_BYTES)) return;
  const hint = `the server answered "${preview(reply)}", not the ack "${ACK}"`;
  throw new OpError("recv", transport, server, "EPROTO", hint);
}

/**
 * The server's first reply is the welcome, or the busy line of a server at --max-connections: then
 * there is no session, and the client says so rather than send into a connection being closed.
 */
export function checkWelcome(reply: Buffer, transport: TransportName, server: string): void {
  if (!reply.toString("latin1").startsWith(BUSY_WORD)) return;
  const hint = `the server is full and turned this client away ("${preview(reply)}") — try again later`;
  throw new OpError("recv", transport, server, "EBUSY", hint);
}

/**
 * A datagram client's first datagram. There is no accept() for SOCK_DGRAM, so this is what opens a
 * session; any datagram does, so a line typed into `nc -u` works too. It is longer than the welcome
 * on purpose: a server that answers an unproven address must not send back more than it received.
 */
export const HELLO = "HELLO socket-playground";

/** What a server allows its peers: each limit has a flag on `playground server`. */
export interface ProtocolOptions {
  welcome: Buffer;
  ack: Buffer;
  /** Where a message on a stream ends (--message-end); records are one message each. */
  messageEnd: MessageEnd;
  /** A message longer than this ends the session with an error line; nothing beyond it is buffered. */
  maxMessageBytes: number;
  /** Seconds a session may go without a byte from its peer. */
  idleTimeout: number;
  /** Seconds from accept to a complete message: a peer dripping a byte at a time never goes idle. */
  messageTimeout: number;
  /** Seconds a reply may wait for a peer that does not read before the session is given up. */
  sendTimeout: number;
  /** Connections served at once; the next gets a busy reply and is closed. */
  maxConnections: number;
  /** Datagram peers remembered at once; the least recently heard is forgotten first. */
  maxPeers: number;
}

export const DEFAULT_PROTOCOL: ProtocolOptions = {
  welcome: Buffer.from(WELCOME),
  ack: Buffer.from(ACK),
  messageEnd: LAB_RULE,
  maxMessageBytes: 64 * 1024,
  idleTimeout: 60,
  messageTimeout: 120,
  sendTimeout: 30,
  maxConnections: 1024,
  maxPeers: 1000,
};

/** What the connection over the limit reads before it is closed. */
export const BUSY = "busy: too many connections, try again later\n";
const BUSY_WORD = "busy:";
