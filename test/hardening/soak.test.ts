// A brief "nothing lost" soak (scripts/soak.ts has the long one): sessions with message ids through
// our fault proxy against `playground server`, tcp4 and udp4. Every message the client saw acked is
// in the server's record exactly once, whatever the proxy did to it.
import { describe, expect, it } from "vitest";
import { DEFAULT_FAULTS, describeReport, soak } from "../../scripts/soak.js";

describe("nothing lost through delays, one-byte slicing, resets and dropped datagrams", () => {
  it("100 tcp4 and 100 udp4 sessions: every acked message recorded once, none twice", async () => {
    const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
    // More resets than the long soak, so that a short run surely has some.
    const faults = { ...DEFAULT_FAULTS, reset: 0.1 };
    const reports = await soak({ sessions: 100, concurrency: 25, seed, faults });
    const [tcp, udp] = reports;
    const said = `seed ${seed}\n${reports.map(describeReport).join("\n")}`;
    for (const report of reports) {
      expect(report.missing, said).toEqual([]);
      expect(report.duplicated, said).toEqual([]);
    }
    // The faults happened, and most sessions still got through: the check had something to check.
    expect(tcp?.injected.sliced, said).toBeGreaterThan(0);
    expect(tcp?.injected.delayed, said).toBeGreaterThan(0);
    expect(tcp?.injected.resets, said).toBeGreaterThan(0);
    expect(tcp?.acked, said).toBeGreaterThanOrEqual(70);
    expect(udp?.injected.dropped, said).toBeGreaterThan(0);
    expect(udp?.acked, said).toBe(100); // resends get every datagram session through
  });
});
