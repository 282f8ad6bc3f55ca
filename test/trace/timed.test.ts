// A trace reads the clock only where its sink shows when calls were made (Sink.timed). The lab's
// lines print no times, and a busy server's trace under them reads no clock (src/trace/tracer.ts).
import { describe, expect, it } from "vitest";
import { createSink, traceInto } from "../../src/output/sink.js";
import { factsOf } from "../../src/transports/facts.js";

describe("a trace's times", () => {
  it("are 0 under the lab's lines, which print none, and taken under the ladder and the diagram", async () => {
    const tcp4 = factsOf("tcp4");
    const lines = traceInto(await createSink(tcp4, "lines", "debug"), tcp4);
    const ladder = traceInto(await createSink(tcp4, "ladder", "info"), tcp4);
    const mermaid = traceInto(await createSink(tcp4, "mermaid", "info"), tcp4);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(lines.now()).toBe(0);
    expect(ladder.now()).toBeGreaterThanOrEqual(4000); // µs since the trace began
    expect(mermaid.now()).toBeGreaterThanOrEqual(4000);
  });
});
