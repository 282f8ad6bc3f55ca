// The connect and bind experiments, each on every transport, as `playground experiment <name>` runs
// them: real sockets on loopback and in temp dirs, and the verdict the report would print.
import { describe, expect, it } from "vitest";
import { abstractName } from "../../src/experiments/abstract-name.js";
import { bindReuseAddr } from "../../src/experiments/bind-reuseaddr.js";
import { dgramDisconnect } from "../../src/experiments/dgram-disconnect.js";
import { dgramReconnect } from "../../src/experiments/dgram-reconnect.js";
import { ephemeralPort } from "../../src/experiments/ephemeral-port.js";
import type { Experiment } from "../../src/experiments/experiment.js";
import { ipv6DualStack } from "../../src/experiments/ipv6-dual-stack.js";
import { ipv6Only } from "../../src/experiments/ipv6-only.js";
import { runExperiment } from "../../src/experiments/runner.js";
import { streamConnectTwice } from "../../src/experiments/stream-connect-twice.js";
import { udpConnectNoListener } from "../../src/experiments/udp-connect-no-listener.js";
import { udpConnectedFilter } from "../../src/experiments/udp-connected-filter.js";
import { unboundUnixDgramSender } from "../../src/experiments/unbound-unix-dgram-sender.js";
import { unixConnectMissingPath } from "../../src/experiments/unix-connect-missing-path.js";
import { unixConnectStaleFile } from "../../src/experiments/unix-connect-stale-file.js";
import { unixPathTooLong } from "../../src/experiments/unix-path-too-long.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";

const EXPERIMENTS: Experiment[] = [
  udpConnectNoListener,
  unixConnectMissingPath,
  unixConnectStaleFile,
  bindReuseAddr,
  ephemeralPort,
  udpConnectedFilter,
  dgramReconnect,
  dgramDisconnect,
  streamConnectTwice,
  unixPathTooLong,
  abstractName,
  unboundUnixDgramSender,
  ipv6DualStack,
  ipv6Only,
];

/**
 * Where the playground's own check stands between the user and the kernel, and says so: the kernel
 * answers EINVAL to a sockaddr_un longer than the struct (a python3 peer shows it in the evidence), and
 * node:net would cut the path instead of asking it, so unix-stream refuses first. The addon asks.
 */
const KNOWN_DIFFERENCES: Record<string, Record<string, string>> = {
  "unix-path-too-long": { "unix-stream": "ENAMETOOLONG" },
};

describe.each(EXPERIMENTS.map((e) => [e.name, e] as const))("%s", (_, experiment) => {
  it("says what it claims: a man page sentence, steps, and why the rest do not apply", () => {
    expect(experiment.claim.page).toMatch(/^[a-z0-9_]+\([0-9]\)$/);
    expect(experiment.claim.text.length).toBeGreaterThan(20);
    expect(experiment.steps.length).toBeGreaterThan(0);
    if (Object.keys(experiment.expected).length < TRANSPORT_NAMES.length) {
      expect(experiment.notApplicable).not.toBe("");
    }
  });

  it("matches Linux on every transport it applies to", async () => {
    const runs = await runExperiment(experiment);
    for (const { result } of runs) {
      const expected = experiment.expected[result.transport];
      if (expected === undefined) {
        expect(result.verdict, result.transport).toBe("not applicable");
        continue;
      }
      const known = KNOWN_DIFFERENCES[experiment.name]?.[result.transport];
      expect({ transport: result.transport, verdict: result.verdict, observed: result.observed }).toEqual({
        transport: result.transport,
        verdict: known ? "differs" : "matches",
        observed: known ?? expected,
      });
      if (known) expect(result.bentBy).toMatch(/the playground/);
    }
  });
});
