// What a long-running command prints, it prints as it goes; and a transport's label always says what
// the socket really is. A server's view that can only be drawn at the end is refused (exit 2), not
// left silent until Ctrl-C; an address of the other IP family is refused, not served under the wrong
// label.
import { afterEach, describe, expect, it } from "vitest";
import { playground, ServerProcess } from "../helpers/cli.js";
import { stopAll, track } from "../helpers/peers.js";

afterEach(stopAll);

describe("server: every view shows the server listening while it runs, or is refused", () => {
  it.each(["ladder", "mermaid"])(
    "--format %s: exit 2 at once, pointing at a view that streams",
    async (format) => {
      const run = await playground(["server", "--port", "0", "--format", format], 5_000);
      expect(run.signal).toBeNull(); // it did not wait to be stopped
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(`^playground: --format ${format} draws a whole run once it ends.*--format lines`),
      );
    },
  );

  it.each([
    [["--format", "lines"], /Server is listening on 127\.0\.0\.1:\d+/],
    [["--log-level", "debug"], /server: listen\(\) local 127\.0\.0\.1:\d+/],
    [["--json"], /"call":"listen"/],
  ])("%j: the listening line comes while it runs", async (flags, pattern) => {
    const server = track(new ServerProcess(["--port", "0", ...flags]));
    await server.waitFor(pattern);
  });
});

const INET = [
  { transport: "tcp4", ip: 4 },
  { transport: "udp4", ip: 4 },
  { transport: "tcp6", ip: 6 },
  { transport: "udp6", ip: 6 },
] as const;
const HOSTS = [
  { host: "127.0.0.1", ip: 4 },
  { host: "::1", ip: 6 },
  { host: "::ffff:127.0.0.1", ip: undefined }, // IPv4 packets written as IPv6: neither label fits
] as const;

describe.each(INET)("$transport: the label is the address family really used", ({ transport, ip }) => {
  it.each(HOSTS)("--host $host: served as what the label says, or refused", async ({ host, ip: hostIp }) => {
    const flags = ["--transport", transport, "--host", host];
    if (hostIp !== ip) {
      for (const command of ["server", "client"]) {
        const run = await playground([command, ...flags, "--port", "1"], 5_000);
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(
          new RegExp(
            `^playground: --host ${host} is an IPv(4|6|4-mapped) address, and ${transport} is IPv${ip}`,
          ),
        );
      }
      return;
    }
    const server = track(new ServerProcess([...flags, "--port", "0"]));
    const [, bound = "", family] =
      (await server.waitFor(/Server is (?:listening on|bound to) (\S+) \((?:tcp|udp)[46]: (AF_INET6?),/)) ??
      [];
    expect(family).toBe(ip === 6 ? "AF_INET6" : "AF_INET");
    expect(bound.startsWith("[")).toBe(ip === 6); // the address the kernel bound, by its form
  });
});
