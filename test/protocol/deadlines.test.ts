// Deadlines: one timer for many deadlines of the same length, on Node's real clock. The checks are
// on order and on "never early", not on how late a busy machine runs a timer.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { Deadline, Deadlines } from "../../src/protocol/deadlines.js";

class Named extends Deadline {
  constructor(readonly name: string) {
    super();
  }
}

/** Deadlines of `ms` that record when each one expired; `then` runs after the record. */
function recorded(ms: number, then: (deadline: Named) => void = () => {}) {
  const expired: { name: string; at: number }[] = [];
  const deadlines: Deadlines<Named> = new Deadlines<Named>(ms, (deadline) => {
    expired.push({ name: deadline.name, at: performance.now() });
    then(deadline);
  });
  return { deadlines, expired };
}

describe("Deadlines", () => {
  it("expires each deadline once, earliest first, never before its time", async () => {
    const { deadlines, expired } = recorded(40);
    const [a, b] = [new Named("a"), new Named("b")];
    const startedA = performance.now();
    deadlines.start(a);
    await sleep(15);
    const startedB = performance.now();
    deadlines.start(b);
    await sleep(300);
    expect(expired.map((e) => e.name)).toEqual(["a", "b"]);
    expect(expired[0]?.at).toBeGreaterThanOrEqual(startedA + 40);
    expect(expired[1]?.at).toBeGreaterThanOrEqual(startedB + 40);
    expect(deadlines.size).toBe(0);
  });

  it("starts a deadline over when started again, and forgets a stopped one", async () => {
    const { deadlines, expired } = recorded(40);
    const [again, stopped] = [new Named("again"), new Named("stopped")];
    deadlines.start(again);
    deadlines.start(stopped);
    await sleep(25);
    const restarted = performance.now();
    deadlines.start(again);
    deadlines.stop(stopped);
    deadlines.stop(stopped); // stopping twice is stopping once
    expect(deadlines.size).toBe(1);
    await sleep(300);
    expect(expired.map((e) => e.name)).toEqual(["again"]);
    expect(expired[0]?.at).toBeGreaterThanOrEqual(restarted + 40);
  });

  it("lets a deadline start again from its own expiry", async () => {
    let count = 0;
    const { deadlines } = recorded(10, (deadline) => {
      count++;
      if (count < 3) deadlines.start(deadline);
    });
    deadlines.start(new Named("repeat"));
    await sleep(500);
    expect(count).toBe(3);
  });

  it("keeps the next deadline's time when an expiry starts one of its own", async () => {
    const c = new Named("c");
    const { deadlines, expired } = recorded(400, (deadline) => {
      if (deadline.name === "a") deadlines.start(c); // due a whole length after a, long after b
    });
    deadlines.start(new Named("a"));
    await sleep(20);
    const startedB = performance.now();
    deadlines.start(new Named("b"));
    await sleep(1000);
    expect(expired.map((e) => e.name)).toEqual(["a", "b", "c"]);
    // b is due at startedB + 400; run by a timer set for c, it would come about 380 ms late.
    expect(expired[1]?.at).toBeLessThan(startedB + 550);
  });

  it("does not keep the process alive by itself", () => {
    const module = new URL("../../dist/protocol/deadlines.js", import.meta.url).href;
    const script = `import("${module}").then(({ Deadline, Deadlines }) => new Deadlines(60000, () => {}).start(new Deadline()))`;
    const started = Date.now();
    execFileSync(process.execPath, ["-e", script], { timeout: 20_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
