// What the protocol tells the outside world, as plain JSON-able data. The human lines, the NDJSON
// of --json and the tests all read these; the protocol never prints.
import type { OpError } from "../errors.js";

export type Side = "server" | "client";

export type ProtocolEvent =
  | { event: "listening"; side: "server"; address: string }
  /** stream/seqpacket: accept() returned a new socket. */
  | { event: "connection"; side: "server"; session: number; peer: string }
  /** datagram: a peer's first datagram opened a session (there is no accept()). */
  | { event: "session-opened"; side: "server"; session: number; peer: string }
  | { event: "connected"; side: "client"; server: string; local: string }
  | { event: "bound"; side: "client"; local: string }
  | { event: "received"; side: Side; session?: number; peer: string; bytes: number; text: string }
  | { event: "sent"; side: Side; session?: number; peer: string; bytes: number; text: string }
  | { event: "resent"; side: Side; session?: number; peer: string; bytes: number; attempt: number }
  | { event: "session-closed"; side: "server"; session: number; peer: string; outcome: SessionOutcome }
  | { event: "note"; side: Side; text: string }
  | { event: "error"; side: Side; session?: number; code: string; message: string };

export type SessionOutcome = "acked" | "peer-closed" | "timeout" | "too-long" | "error";

export type Report = (event: ProtocolEvent) => void;

export function errorEvent(side: Side, err: OpError, session?: number): ProtocolEvent {
  return { event: "error", side, session, code: err.code, message: err.message };
}
