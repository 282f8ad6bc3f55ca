// What crossed the wire in one session, placed on the run's time axis: each packet tcpdump saw
// (stamped with the wall clock) at microseconds since the trace began, with the side that sent it;
// or, for a unix socket, why there is nothing to see.
import type { Side } from "../trace/events.js";
import { onTrace, type TraceOrigin } from "../trace/origin.js";
import type { Packet } from "./parse.js";

export interface WirePacket extends Packet {
  /** Microseconds since the trace began. */
  t: number;
  /** Whose socket sent it; an ICMP error comes from the server's host, which had no socket there. */
  sender: Side;
}

export interface Wire {
  /** The interface the packets were read on. */
  device: string;
  packets: readonly WirePacket[];
  /** Why nothing was captured, when nothing could be: a unix socket never touches an interface. */
  none?: string;
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
