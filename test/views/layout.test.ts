// The layout model (views/layout.ts) on real runs of the built CLI: one row per recorded event, on
// its side's lane, in time order, and crossings that are exactly what was sent: each send()'s bytes go
// to the other lane and arrive there as its receives; a connect() crosses only where the transport
// has connections; a failed call crosses to no one.
import { describe, expect, it } from "vitest";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import type { SocketEvent } from "../../src/trace/events.js";
import { loadTransport } from "../../src/transports/index.js";
import { type Crossing, type Layout, layoutOf, type Row } from "../../src/views/layout.js";
import { playground } from "../helpers/cli.js";

/** The events a run of `playground ...args --json` recorded, as they came. */
async function recorded(args: string[], expectedCode = 0): Promise<SocketEvent[]> {
  const { code, stdout } = await playground([...args, "--json"]);
  expect(code).toBe(expectedCode);
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as SocketEvent)
    .filter((e) => typeof e.call === "string");
}

const crossings = (layout: Layout, what: Crossing["what"]) =>
  layout.rows.filter((r): r is Row & { crossing: Crossing } => r.crossing?.what === what);

describe.each(TRANSPORT_NAMES)("%s: the layout of a run", (name) => {
  it("has a row per event on its side's lane, and crossings that match the sends and receives", async () => {
    const events = await recorded(["--transport", name]);
    const transport = await loadTransport(name);
    const layout = layoutOf(events, transport);

    expect(layout.lanes).toEqual([
      { id: "client", label: `client (${name})` },
      { id: "server", label: `server (${name})` },
    ]);
    expect(layout.rows).toHaveLength(events.length);
    expect(new Set(layout.rows.map((r) => r.event))).toEqual(new Set(events));
    const times = layout.rows.map((r) => r.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const r of layout.rows) expect(r.lane).toBe(r.event.side);

    // Data crosses with each send, from its side to the other: as many bytes as were sent.
    const data = crossings(layout, "data");
    expect(data.map((r) => r.event)).toEqual(
      layout.rows.map((r) => r.event).filter((e) => e.call === "send" || e.call === "sendto"),
    );
    for (const { event, crossing } of data) {
      expect(crossing).toEqual({
        what: "data",
        from: event.side,
        to: event.side === "client" ? "server" : "client",
        bytes: event.bytes,
        preview: event.preview,
      });
    }
    // ... and arrives on the other lane as its receives: the same bytes in all (a stream may cut
    // them differently); one receive per send where the transport keeps boundaries.
    for (const [from, to] of [
      ["client", "server"],
      ["server", "client"],
    ] as const) {
      const sent = data.filter((r) => r.crossing.from === from).map((r) => r.event.bytes ?? 0);
      const received = layout.rows
        .filter((r) => r.lane === to && (r.event.call === "recv" || r.event.call === "recvfrom"))
        .map((r) => r.event.bytes ?? 0);
      expect(sent.length).toBeGreaterThan(0);
      const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);
      expect(sum(received)).toBe(sum(sent));
      if (transport.type !== "stream") expect(received).toEqual(sent);
    }

    // A connect() is a crossing only where there are connections; on a datagram socket it sends nothing.
    const connects = layout.rows.filter((r) => r.event.call === "connect");
    for (const r of connects) {
      expect(r.crossing?.what).toBe(transport.connectionOriented ? "connect" : "nothing");
      expect(r.crossing).toMatchObject({ from: "client", to: "server" });
    }
    // Nothing else crosses: a shutdown() (an EOF) is the only other step that may.
    const other = layout.rows.filter(
      (r) => r.crossing && !["send", "sendto", "connect", "shutdown"].includes(r.event.call),
    );
    expect(other).toEqual([]);
    for (const r of layout.rows.filter((r) => r.event.call === "shutdown")) {
      expect(r.crossing?.what).toBe("eof");
    }
  });
});

describe("the layout's rows say what each step was", () => {
  it("a connect() that failed is a call with its errno, and crosses to no one", async () => {
    // Port 1 on loopback: nothing listens there, so the kernel refuses the connect().
    const events = await recorded(["client", "--transport", "tcp4", "--port", "1", "--timeout", "2"], 1);
    const layout = layoutOf(events, await loadTransport("tcp4"));
    const failed = layout.rows.filter((r) => r.errno);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ lane: "client", kind: "call", errno: "ECONNREFUSED" });
    expect(failed[0]?.text).toBe("connect() ✗ ECONNREFUSED");
    expect(failed[0]?.crossing).toBeUndefined();
    expect(layout.rows.every((r) => r.lane === "client")).toBe(true);
  });

  it("an EOF and a message's end are happenings, not calls; what Node did by itself is grouped by API", async () => {
    const events = await recorded(["--transport", "unix-stream", "--message-end", "eof"]);
    const layout = layoutOf(events, await loadTransport("unix-stream"));
    const happenings = layout.rows.filter((r) => r.kind === "happening").map((r) => r.event.call);
    expect(happenings).toContain("eof");
    expect(happenings).toContain("message-end");
    expect(layout.rows.filter((r) => r.kind === "call").every((r) => r.event.call !== "eof")).toBe(true);
    // server.listen() is socket + bind + listen in one Node call.
    expect(layout.inferred).toContainEqual({ via: "server.listen()", calls: ["socket", "bind", "listen"] });
    for (const { via, calls } of layout.inferred) {
      const made = layout.rows.filter((r) => r.inferred && r.event.via === via).map((r) => r.event.call);
      expect(new Set(made)).toEqual(new Set(calls));
    }
  });

  it("annotations land under the step they were given for, and nowhere else", async () => {
    const events = await recorded(["--transport", "udp4"]);
    const [first, second] = events
      .filter((e) => e.call === "sendto" || e.call === "send")
      .sort((a, b) => a.t - b.t);
    const annotations = new Map([
      [first as SocketEvent, ["under the first send"]],
      [second as SocketEvent, ["under the second", "and again"]],
    ]);
    const layout = layoutOf(events, await loadTransport("udp4"), annotations);
    const annotated = layout.rows.filter((r) => r.annotations.length > 0);
    expect(annotated.map((r) => [r.event, r.annotations])).toEqual([
      [first, ["under the first send"]],
      [second, ["under the second", "and again"]],
    ]);
  });
});
