// What crossed the wire in one session, placed on the run's time axis: each packet tcpdump saw
// (stamped with the wall clock) at microseconds since the trace began, with the side that sent it;
// or, for a unix socket, why there is nothing to see.

import { portOf } from "../experiments/kit/ss.js";
import type { Side } from "../trace/events.js";
import { onTrace, type TraceOrigin } from "../trace/origin.js";
import type { Packet } from "./parse.js";
import type { TcpEvent } from "./tracefs.js";

export interface WirePacket extends Packet {
  /** Microseconds since the trace began. */
  t: number;
  /** Whose socket sent it; an ICMP error comes from the server's host, which had no socket there. */
  sender: Side;
}

/** A TCP socket's state change, reset or retransmission, as a tracepoint said it, or a TIME_WAIT ss saw. */
export type WireState = TcpEvent & {
  t: number;
  /** Whose socket: the server's (its listener, or the socket accept() returned) or the client's. */
  side: Side;
  listener: boolean;
  /** Where it was read: the tracepoints, or `ss` (a socket in TIME_WAIT, which no tracepoint shows). */
  source: "tracepoint" | "ss";
  /** In a few words: "SYN_SENT → ESTABLISHED", "RST sent", "listener LISTEN → CLOSE". */
  text: string;
};

export interface Wire {
  /** The interface the packets were read on. */
  device: string;
  packets: readonly WirePacket[];
  /** Why nothing was captured, when nothing could be: a unix socket never touches an interface. */
  none?: string;
  states: readonly WireState[];
  /** Why there are no TCP states, when they could not be traced. */
  noStates?: string;
}

/** Unix sockets, in one line: what happens instead of packets. */
export const UNIX_WIRE =
  "no wire: the kernel moves the bytes from one socket's queue to the other's; nothing is framed or sent (unix(7))";

/** tcpdump's packets for the server at `serverAddress`, on the trace that began at `origin`. */
export function placePackets(
  packets: readonly Packet[],
  serverAddress: string,
  origin: TraceOrigin,
): WirePacket[] {
  return packets.map((p) => ({
    ...p,
    t: onTrace(origin, "wall", p.wallUs),
    sender: p.proto !== "icmp" && p.to === serverAddress ? "client" : "server",
  }));
}

/** The tracepoints' events for the server on `serverPort`, on the trace that began at `origin`. */
export function placeStates(
  events: readonly TcpEvent[],
  serverPort: number,
  origin: TraceOrigin,
): WireState[] {
  return events.map((e) => {
    const listener = e.what === "state" && portOf(e.remote) === 0;
    const text =
      e.what === "reset"
        ? `RST ${e.sent ? "sent" : "received"}`
        : e.what === "retransmit"
          ? `retransmitted ${e.synack ? "SYN-ACK" : "a segment"}`
          : `${listener ? "listener " : ""}${e.from} → ${e.to}`;
    return {
      ...e,
      t: onTrace(origin, "monotonic", e.monoUs),
      side: portOf(e.local) === serverPort ? "server" : "client",
      listener,
      source: "tracepoint",
      text,
    };
  });
}
