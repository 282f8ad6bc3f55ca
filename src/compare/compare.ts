// `playground compare`: every transport side by side. Each semantic column comes from the
// transport's own description (transport.ts) or from what a traced session did; each number is
// measured in this run.
import os from "node:os";
import type { SocketEvent } from "../trace/events.js";
import type { Transport, TransportName } from "../transports/transport.js";
import type { Wire, WirePacket } from "../wire/wire.js";
import { type Measured, measure } from "./measure.js";
import {
  type BoundaryObservation,
  observeBoundaries,
  type SetupCalls,
  setupCalls,
  tracedSession,
} from "./observe.js";

export interface CompareRow {
  transport: TransportName;
  family: Transport["family"];
  type: Transport["type"];
  socket: string;
  calls: SetupCalls;
  /**
   * Round trips before the welcome's first byte reached the client: half the one-way trips, which
   * are connect's (TCP: SYN, SYN-ACK, ACK), then the welcome's way; a datagram client's hello first.
   * Checked against the wire by test/compare/claims.test.ts.
   */
  roundTripsToFirstByte: number;
  connectionOriented: boolean;
  boundaries: { kept: boolean; observed: BoundaryObservation };
  reliable: boolean;
  address: { form: "ip:port" | "path" | "abstract name"; example: string };
  /**
   * Whether the client binds: a unix datagram client must, to be answered; an inet client gets an
   * ephemeral port from the kernel (at connect(), or Node's bind(0) first for UDP); a unix stream or
   * seqpacket client stays unnamed.
   */
  clientBinds: "required" | "automatic" | "never (unnamed)";
  measured: Measured;
  /**
   * With --capture: the traced session's packets in tcpdump's notation, in order ("S", "S.", ".",
   * "P. 22", "UDP 23", "ICMP"), or why there are none (a unix socket).
   */
  wire?: { packets: string[]; none?: string };
}

export interface Comparison {
  date: string;
  machine: { cores: number; cpu: string; kernel: string; node: string };
  secondsPerTransport: number;
  rows: CompareRow[];
}

export interface Fresh {
  address: string;
  cleanup(): void;
}

export async function compareOne(
  transport: Transport,
  fresh: () => Fresh,
  seconds: number,
  capture = false,
): Promise<CompareRow> {
  return (await compareTraced(transport, fresh, seconds, capture)).row;
}

/** A transport's row, and the traced session it came from: `playground report` draws its ladder. */
export async function compareTraced(
  transport: Transport,
  fresh: () => Fresh,
  seconds: number,
  capture = false,
): Promise<{ row: CompareRow; events: SocketEvent[]; wire?: Wire }> {
  const use = async <T>(work: (address: string) => Promise<T>): Promise<T> => {
    const { address, cleanup } = fresh();
    try {
      return await work(address);
    } finally {
      cleanup();
    }
  };
  const { events, wire } = await use((address) => tracedSession(transport, address, capture));
  const observed = await use((address) => observeBoundaries(transport, address));
  const measured = await use((address) => measure(transport, address, seconds));
  const bound = events.find((e) => e.side === "server" && e.call === "bind")?.local ?? "";
  const clientBind = events.find((e) => e.side === "client" && e.call === "bind");
  const row: CompareRow = {
    transport: transport.name,
    family: transport.family,
    type: transport.type,
    socket: `${transport.cFamily}, ${transport.cType}`,
    calls: setupCalls(events),
    roundTripsToFirstByte: (transport.connectTrips + (transport.connectionOriented ? 1 : 2)) / 2,
    connectionOriented: transport.connectionOriented,
    boundaries: { kept: transport.preservesBoundaries, observed },
    reliable: transport.reliable,
    address: {
      form: bound.startsWith("@") ? "abstract name" : bound.startsWith("/") ? "path" : "ip:port",
      example: bound,
    },
    clientBinds:
      clientBind && !clientBind.inferred
        ? "required"
        : transport.family === "unix"
          ? "never (unnamed)"
          : "automatic",
    measured,
    ...(wire
      ? { wire: { packets: wire.packets.map(packetWord), ...(wire.none ? { none: wire.none } : {}) } }
      : {}),
  };
  return wire ? { row, events, wire } : { row, events };
}

/** A packet as a word or two in tcpdump's notation: "S.", "P. 22", "UDP 23", "ICMP". */
function packetWord(p: WirePacket): string {
  if (p.proto === "udp") return `UDP ${p.length}`;
  if (p.proto === "icmp") return "ICMP";
  return p.length > 0 ? `${p.flags} ${p.length}` : (p.flags ?? "");
}

export function machine(): Comparison["machine"] {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}
