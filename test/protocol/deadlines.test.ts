// Deadlines: one timer for many deadlines of the same length, on Node's real clock. The checks are
// on order and on "never early", not on how late a busy machine runs a timer.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { Deadlines } from "../../src/protocol/deadlines.js";

/** Deadlines of `ms` that record when each key expired. */
function recorded(ms: number) {
  const expired: { key: string; at: number }[] = [];
  const deadlines = new Deadlines<string>(ms, (key) => expired.push({ key, at: performance.now() }));
  return { deadlines, expired };
}

describe("Deadlines", () => {
  it("expires each key once, earliest first, never before its time", async () => {
    const { deadlines, expired } = recorded(40);
    const startedA = performance.now();
    deadlines.start("a");
    await sleep(15);
    const startedB = performance.now();
    deadlines.start("b");
    await sleep(300);
    expect(expired.map((e) => e.key)).toEqual(["a", "b"]);
    expect(expired[0]?.at).toBeGreaterThanOrEqual(startedA + 40);
    expect(expired[1]?.at).toBeGreaterThanOrEqual(startedB + 40);
    expect(deadlines.size).toBe(0);
  });

  it("starts a deadline over when started again, and forgets a stopped one", async () => {
    const { deadlines, expired } = recorded(40);
    deadlines.start("again");
    deadlines.start("stopped");
    await sleep(25);
    const restarted = performance.now();
    deadlines.start("again");
    deadlines.stop("stopped");
    await sleep(300);
    expect(expired.map((e) => e.key)).toEqual(["again"]);
    expect(expired[0]?.at).toBeGreaterThanOrEqual(restarted + 40);
  });

  it("lets a key start again from its own expiry", async () => {
    let count = 0;
    const deadlines: Deadlines<string> = new Deadlines<string>(10, (key) => {
      count++;
      if (count < 3) deadlines.start(key);
    });
    deadlines.start("repeat");
    await sleep(500);
    expect(count).toBe(3);
  });

  it("keeps the next key's time when an expiry starts a key of its own", async () => {
    const expired: { key: string; at: number }[] = [];
    const deadlines: Deadlines<string> = new Deadlines<string>(400, (key) => {
      expired.push({ key, at: performance.now() });
      if (key === "a") deadlines.start("c"); // due a whole length after a, long after b
    });
    deadlines.start("a");
    await sleep(20);
    const startedB = performance.now();
    deadlines.start("b");
    await sleep(1000);
    expect(expired.map((e) => e.key)).toEqual(["a", "b", "c"]);
    // b is due at startedB + 400; run by a timer set for c, it would come about 380 ms late.
    expect(expired[1]?.at).toBeLessThan(startedB + 550);
  });

  it("does not keep the process alive by itself", () => {
    const module = new URL("../../dist/protocol/deadlines.js", import.meta.url).href;
    const script = `import("${module}").then(({ Deadlines }) => new Deadlines(60000, () => {}).start("k"))`;
    const started = Date.now();
    execFileSync(process.execPath, ["-e", script], { timeout: 20_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
