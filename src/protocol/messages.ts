// The bytes of the classic networking lab, exactly, with no terminator: a classic BSD-sockets
// client (connect, recv(1024), sendall, recv(1024), close) meets our server byte for byte.
export const WELCOME = "Welcome to the server!";
export const MESSAGE = "Hello, Server! This is the client.";
export const ACK = "Message received!";

/**
 * A datagram client's first datagram. There is no accept() for SOCK_DGRAM, so this is what opens a
 * session; any datagram does, so a line typed into `nc -u` works too. It is longer than the welcome
 * on purpose: a server that answers an unproven address must not send back more than it received.
 */
export const HELLO = "HELLO socket-playground";

/** Stream and datagram sessions both end when the message is acknowledged; these are the defaults. */
export interface ProtocolOptions {
  welcome: Buffer;
  ack: Buffer;
  /** A message longer than this ends the session with an error line; nothing beyond it is buffered. */
  maxMessageBytes: number;
  /** Seconds a session may wait for the peer's next bytes before it is closed. */
  idleTimeout: number;
}

export const DEFAULT_PROTOCOL: ProtocolOptions = {
  welcome: Buffer.from(WELCOME),
  ack: Buffer.from(ACK),
  maxMessageBytes: 64 * 1024,
  idleTimeout: 60,
};
