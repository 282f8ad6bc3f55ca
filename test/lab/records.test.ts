// Two children's NDJSON on one time axis: each trace's t is from its own origin, and the merge places
// them by CLOCK_MONOTONIC, which every network namespace shares.
import { describe, expect, it } from "vitest";
import { ownerOf } from "../../src/lab/hosts.js";
import { mergeEvents } from "../../src/lab/records.js";

const began = (monotonicUs: number) => ({ trace: "began", t: 0, origin: { wallUs: 0, monotonicUs } });
const call = (side: string, callName: string, t: number) => ({
  level: 30,
  time: "x",
  msg: "m",
  side,
  call: callName,
  t,
});

describe("mergeEvents", () => {
  it("places a later child's events after the earlier one's, by their monotonic times", () => {
    const server = [began(1_000_000), call("server", "bind", 100), call("server", "accept", 250_000)];
    // The client's trace began 200 ms after the server's: its connect() at its own t = 10 ms is 210 ms.
    const client = [began(1_200_000), call("client", "connect", 10_000)];
    const { events } = mergeEvents([server, client]);
    expect(events.map((e) => [e.side, e.call, e.t])).toEqual([
      ["server", "bind", 100],
      ["client", "connect", 210_000],
      ["server", "accept", 250_000],
    ]);
    // pino's own fields are no part of an event.
    expect(events[0]).not.toHaveProperty("msg");
    expect(events[0]).not.toHaveProperty("level");
  });

  it("on a base origin given, and a child that never began adds nothing", () => {
    const server = [began(5_000), call("server", "bind", 0)];
    const { events } = mergeEvents([server, [{ text: "no trace" }]], { wallUs: 0, monotonicUs: 4_000 });
    expect(events.map((e) => e.t)).toEqual([1_000]);
  });
});

describe("ownerOf", () => {
  it("reads the pid of the tool's namespaces only", () => {
    expect(ownerOf("spg-4242-server")).toBe(4242);
    expect(ownerOf("spg-4242-client")).toBe(4242);
    expect(ownerOf("spg-4242-router")).toBeUndefined();
    expect(ownerOf("other-4242-server")).toBeUndefined();
    expect(ownerOf("xspg-4242-server")).toBeUndefined();
  });
});
