// The ladder as data: lanes left to right, and one row per step in time order, on the lane of the side
// that made it, with what crossed to another lane and whatever another source placed under it (strace's
// system calls, say). Every drawing of a run is a renderer of this: the terminal ladder (ladder.ts),
// Mermaid (mermaid.ts), the report's SVG (ladder-svg.ts), the kernel's view (syscalls/view.ts). Plain
// objects only: no widths, no padding, no colour — a lane for the wire joined by adding data, and so
// does any other renderer, not by cutting another view's text apart.
import { parseMessageEnd } from "../protocol/message-end.js";
import {
  AFTER_MESSAGE,
  type EventName,
  IN_PROGRESS,
  inTimeOrder,
  isCall,
  type Side,
  type SocketEvent,
} from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import type { Wire, WirePacket, WireState } from "../wire/wire.js";

/** Who a lane stands for: the two sides, and with --capture the wire between them. */
export type LaneId = Side | "wire";

export interface Lane {
  id: LaneId;
  /** "client (tcp4)": what a renderer heads the lane with. */
  label: string;
  /**
   * Which host the side ran on, when it was not this one (--hosts two): its network namespace and
   * address, a line each under the label.
   */
  host?: readonly string[];
}

/** The host each side ran on, where the sides ran on two (lab/hosts.ts hostLabel). */
export type LaneHosts = Partial<Record<Side, readonly string[]>>;

/**
 * What went from one lane to another with a step: data (bytes, and a preview of them), an EOF (the
 * sender shut down its writing side), a connection request; or nothing at all, where a renderer says
 * so instead of an arrow: connect() on a datagram socket only sets the peer, and a send() of 0 bytes on
 * a stream puts no byte on the wire (only a datagram or a record can be empty).
 */
export type Crossing = { from: LaneId; to: LaneId } & (
  | { what: "data"; bytes: number; preview?: string }
  | { what: "eof" }
  | { what: "connect" }
  | { what: "nothing"; why: "sets the peer" | "0 B on a stream" | "never answered" }
);

export interface Row<A = never> {
  /** Microseconds since the trace began. */
  t: number;
  lane: LaneId;
  /** A socket call, or a happening that is no call (an EOF, a message's end, a refusal). */
  kind: "call" | "happening";
  /** The step in words, as C would write the call: "send(22 B)", "accept() → session 1". */
  text: string;
  /** Node made the call without a call of ours that names it (drawn with a `*`). */
  inferred: boolean;
  /** Set when the call failed: the errno name, and the one-line message. */
  errno?: string;
  message?: string;
  crossing?: Crossing;
  /** What other sources placed under this step, in their order. */
  annotations: readonly A[];
  /** The step as it was recorded, for a renderer that shows more of it. */
  event: SocketEvent;
}

/**
 * A packet on the wire lane. It is no SocketEvent, so it is a row of its own kind, kept apart from the
 * steps (Layout.wire) and drawn among them by its time.
 */
export type WireRow = {
  t: number;
  lane: "wire";
  /** tcpdump's own words for a packet: "Flags [S.], seq 3055829574, ack 272744066, length 0"; a state's change. */
  text: string;
} & (
  | { kind: "packet"; from: Side; to: Side; packet: WirePacket }
  /** A TCP socket's state change or reset, drawn in the lane of the side whose socket it is. */
  | { kind: "state"; side: Side; state: WireState }
);

export interface Layout<A = never> {
  lanes: readonly Lane[];
  rows: readonly Row<A>[];
  /**
   * With a capture: the wire lane's rows in time order (packets, and TCP states beside them), why it is
   * empty when nothing can cross it, and why there are no states when they could not be traced.
   */
  wire?: { rows: readonly WireRow[]; none?: string; noStates?: string };
  /** The calls Node made without a call of ours naming them, grouped by the Node API that made them. */
  inferred: readonly { via: string; calls: readonly EventName[] }[];
}

/** What layoutOf needs to know of the transport. */
export type LaidOut = Pick<TransportInfo, "name" | "connectionOriented" | "preservesBoundaries">;

/**
 * The rows of a run: one per event, in the order the calls were made. `annotations` are what another
 * source has to say under a step, keyed by the event they belong to.
 */
export function layoutOf<A = never>(
  events: readonly SocketEvent[],
  transport: LaidOut,
  annotations?: ReadonlyMap<SocketEvent, readonly A[]>,
  wire?: Wire,
  hosts?: LaneHosts,
): Layout<A> {
  const sides: Lane[] = (["client", "server"] as const).map((id) => ({
    id,
    label: `${id} (${transport.name})`,
    ...(hosts?.[id] ? { host: hosts[id] } : {}),
  }));
  const [client, server] = sides as [Lane, Lane];
  const lanes = wire ? [client, { id: "wire" as const, label: `wire (${wire.device})` }, server] : sides;
  const rows = inTimeOrder(events).map(
    (e): Row<A> => ({
      t: e.t,
      lane: e.side,
      kind: isCall(e) ? "call" : "happening",
      text: callText(e),
      inferred: e.inferred,
      ...(e.errno === undefined ? {} : { errno: e.errno, message: e.message }),
      ...(crossingOf(e, transport) ?? {}),
      annotations: annotations?.get(e) ?? [],
      event: e,
    }),
  );
  return {
    lanes,
    rows,
    inferred: inferredByVia(events),
    ...(wire ? { wire: wireLane(wire) } : {}),
  };
}

/** The steps and the wire's rows as one list in time order; a step goes first at the same microsecond. */
export function inTimeOrderWith<A>(layout: Layout<A>): (Row<A> | WireRow)[] {
  const wire = layout.wire?.rows ?? [];
  const all: (Row<A> | WireRow)[] = [];
  let w = 0;
  for (const row of layout.rows) {
    while (w < wire.length && (wire[w] as WireRow).t < row.t) all.push(wire[w++] as WireRow);
    all.push(row);
  }
  return all.concat(wire.slice(w));
}

function wireLane(wire: Wire): NonNullable<Layout["wire"]> {
  const packets = wire.packets.map(
    (packet): WireRow => ({
      t: packet.t,
      lane: "wire",
      kind: "packet",
      text: packet.words,
      from: packet.sender,
      to: packet.sender === "client" ? "server" : "client",
      packet,
    }),
  );
  const states = wire.states.map(
    (state): WireRow => ({
      t: state.t,
      lane: "wire",
      kind: "state",
      text: state.text,
      side: state.side,
      state,
    }),
  );
  // Stable: a packet and the state change it caused keep the kernel's order at the same microsecond.
  const rows = [...packets, ...states].sort((a, b) => a.t - b.t);
  return {
    rows,
    ...(wire.none ? { none: wire.none } : {}),
    ...(wire.noStates ? { noStates: wire.noStates } : {}),
  };
}

/** What a crossing of nothing says in place of an arrow. */
export function nothingText(why: Extract<Crossing, { what: "nothing" }>["why"]): string {
  // A connect() never answered did send (a SYN): what it lacks is an answer, not a packet.
  return why === "never answered" ? "(never answered)" : `(nothing sent: ${why})`;
}

/** What crosses between the lanes with this step; a failed call crosses to no one. */
function crossingOf(e: SocketEvent, transport: LaidOut): { crossing: Crossing } | undefined {
  if (e.errno) return undefined;
  const ends = { from: e.side, to: e.side === "client" ? "server" : "client" } as const;
  switch (e.call) {
    case "send":
    case "sendto":
      if (!e.bytes && !transport.preservesBoundaries)
        return { crossing: { ...ends, what: "nothing", why: "0 B on a stream" } };
      return { crossing: { ...ends, what: "data", bytes: e.bytes ?? 0, preview: e.preview } };
    case "shutdown":
      return { crossing: { ...ends, what: "eof" } };
    case "connect":
      // Still in progress when the playground gave up: no connection came of it (gave-up follows).
      if (e.detail === IN_PROGRESS) return { crossing: { ...ends, what: "nothing", why: "never answered" } };
      return transport.connectionOriented
        ? { crossing: { ...ends, what: "connect" } }
        : { crossing: { ...ends, what: "nothing", why: "sets the peer" } };
    default:
      return undefined;
  }
}

/** Each Node API that made calls of its own, and which calls, in the order first seen. */
function inferredByVia(events: readonly SocketEvent[]): Layout["inferred"] {
  const byVia = new Map<string, Set<EventName>>();
  for (const e of events) {
    if (!e.inferred || !e.via) continue;
    const calls = byVia.get(e.via) ?? new Set<EventName>();
    calls.add(e.call);
    byVia.set(e.via, calls);
  }
  return [...byVia].map(([via, calls]) => ({ via, calls: [...calls] }));
}

/** The call as C would write it, shortened; `*` marks a call Node made without one of ours naming it. */
export function callText(e: SocketEvent): string {
  const star = e.inferred ? "*" : "";
  if (e.call === "refused") return `refused before ${e.detail}()`;
  if (e.call === "gave-up") return `gave up on ${e.detail}()`;
  if (e.errno) return `${e.call}() ✗ ${e.errno}`;
  switch (e.call) {
    case "socket":
      return `socket()${star}`;
    case "bind":
      return bindText(e, star);
    case "listen":
      return `listen(${e.detail ?? ""})${star}`;
    case "accept":
      return `accept() → session ${e.session}${star}`;
    case "connect":
      return `connect(${e.remote ?? ""})${star}`;
    case "send":
    case "sendto":
      return `${e.call}(${e.bytes} B)${star}`;
    case "recv":
    case "recvfrom":
      // A read of 0 bytes here is an empty datagram or record; EOF is drawn as the 'end' event it is.
      return `${e.call}(${e.bytes} B)${star}${e.detail === AFTER_MESSAGE ? " discarded" : ""}`;
    case "shutdown":
      return `shutdown(${e.detail ?? ""})${star}`;
    case "close":
      return `close()${star}`;
    case "message-end":
      return `message ended: ${endedByText(e)}`;
    case "eof":
      return "EOF ('end' event)";
  }
}

/**
 * bind() with what the kernel was given; where that was port 0, the port it chose, after an arrow:
 * "bind(127.0.0.1:0)* → 41965". A fresh address is port 0; the port is the kernel's answer.
 */
function bindText(e: SocketEvent, star: string): string {
  const given = e.requested ?? e.local ?? "";
  const portZero = e.family !== "unix" && e.requested?.endsWith(":0") && e.local;
  const chosen = portZero ? ` → ${e.local?.slice(e.local.lastIndexOf(":") + 1)}` : "";
  return `bind(${given})${star}${chosen}`;
}

/** What ended a message, in a few words: "1st recv()", "newline", "EOF", "20 ms pause". */
function endedByText(e: SocketEvent): string {
  switch (e.detail) {
    case "recv":
      return "1st recv()";
    case "eof":
      return "EOF";
    case "pause":
      return `${parseMessageEnd(e.rule ?? "pause").pauseMs} ms pause`;
    default:
      return e.detail ?? "";
  }
}
