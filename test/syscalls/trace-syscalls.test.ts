// `playground --trace-syscalls` as a user runs it: a child process, real strace, every transport.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { playground } from "../helpers/cli.js";
import { requireTool } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(removeTempDirs);

const TRANSPORTS = [
  { name: "tcp4", family: "AF_INET", type: "SOCK_STREAM", accept: "accept4" },
  { name: "tcp6", family: "AF_INET6", type: "SOCK_STREAM", accept: "accept4" },
  { name: "udp4", family: "AF_INET", type: "SOCK_DGRAM" },
  { name: "udp6", family: "AF_INET6", type: "SOCK_DGRAM" },
  { name: "unix-stream", family: "AF_UNIX", type: "SOCK_STREAM", accept: "accept4" },
  { name: "unix-dgram", family: "AF_UNIX", type: "SOCK_DGRAM" },
  { name: "unix-seqpacket", family: "AF_UNIX", type: "SOCK_SEQPACKET", accept: "accept4" },
];

/** The kernel's lines under the ladder, without their mark. */
function kernelLines(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("        ↳ "))
    .map((l) => l.slice("        ↳ ".length));
}

/** "fd 17 from socket() (server)" from the summary, which may wrap. */
function socketsSaid(stdout: string): Map<string, number> {
  const flat = stdout.replace(/\n\s+/g, " ");
  return new Map(
    [...flat.matchAll(/fd (\d+) from \w+\(\) \(([^)]+)\)/g)].map((m) => [m[2] as string, Number(m[1])]),
  );
}

describe("playground --trace-syscalls (needs strace)", () => {
  // Fails, saying what to install, where strace is missing: never a silent skip.
  beforeAll(() => requireTool("strace"));

  describe.concurrent.each(TRANSPORTS)("$name", ({ name, family, type, accept }) => {
    it("shows the real calls under the ladder, with the fds they returned, in 100 columns", async () => {
      // A TMPDIR of its own (not tempDir(): its afterEach would empty it under the concurrent tests)
      const TMPDIR = mkdtempSync(join(tmpdir(), "playground-test-"));
      const { code, stdout, stderr } = await playground(["--transport", name, "--trace-syscalls"], 20_000, {
        TMPDIR,
      });
      const left = readdirSync(TMPDIR);
      rmSync(TMPDIR, { recursive: true, force: true });
      expect(stderr).toBe("");
      expect(code).toBe(0);
      for (const line of stdout.split("\n")) expect([...line].length, line).toBeLessThanOrEqual(100);
      // strace's log and the child's socket files are gone
      expect(left).toEqual([]);

      const kernel = kernelLines(stdout);
      const sockets = socketsSaid(stdout);
      const server = sockets.get("server") as number;
      const client = sockets.get("client") as number;
      // socket() returned these fds, and every later call on the socket names the same one
      const made = kernel.filter((l) => l.startsWith(`socket(${family}, ${type}`));
      expect(made).toHaveLength(2);
      expect(made.some((l) => l.endsWith(` = ${server}`))).toBe(true);
      expect(made.some((l) => l.endsWith(` = ${client}`))).toBe(true);
      expect(kernel.some((l) => l.startsWith(`bind(${server}, `))).toBe(true);

      if (accept) {
        const session = sockets.get("server session 1") as number;
        expect(kernel).toContain(`listen(${server}, 4096) = 0`);
        expect(kernel.some((l) => l.startsWith(`${accept}(${server}, `) && l.endsWith(` = ${session}`))).toBe(
          true,
        );
        expect(kernel.some((l) => l.startsWith(`connect(${client}, `))).toBe(true);
        expect(
          kernel.some((l) => /^(write|writev|sendmsg|sendto)\(/.test(l) && l.includes(`(${session}, `)),
        ).toBe(true);
      } else {
        expect(kernel.some((l) => /^(listen|accept4?)\(/.test(l))).toBe(false);
        expect(kernel.some((l) => l.startsWith(`sendmsg(${client}, `))).toBe(true);
        expect(kernel.some((l) => l.startsWith(`recvmsg(${server}, `))).toBe(true);
      }
      expect(kernel).toContain(`close(${client}) = 0`);
      expect(stdout).toMatch(/^Notes:$/m);
      expect(stdout).toMatch(/lowest-numbered fd not open in the process/);
    });
  });

  it("unix-stream --abstract: bind() names the abstract socket as strace sees it", async () => {
    const { code, stdout } = await playground([
      "--transport",
      "unix-stream",
      "--abstract",
      "--trace-syscalls",
    ]);
    expect(code).toBe(0);
    expect(
      kernelLines(stdout).some((l) =>
        /^bind\(\d+, \{sa_family=AF_UNIX, sun_path=@"socket-playground-/.test(l),
      ),
    ).toBe(true);
  });

  it("--json: each event keeps one line and gains what strace wrote for it", async () => {
    const { code, stdout } = await playground(["--transport", "udp4", "--trace-syscalls", "--json"]);
    expect(code).toBe(0);
    const records = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // The first record says when the trace began (its origin), and is no call.
    expect(records[0]).toMatchObject({ t: 0, trace: "began" });
    const events = records.slice(1);
    expect(events.length).toBeGreaterThan(8);
    for (const e of events) expect(Array.isArray(e.syscalls)).toBe(true);
    const socket = events.find((e) => e.side === "server" && e.call === "socket");
    expect(socket.syscalls[0]).toMatchObject({ name: "socket", fd: socket.syscalls[0].result });
    expect(socket.syscalls[0].text).toMatch(
      /^socket\(AF_INET, SOCK_DGRAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, .*\) = \d+<UDP:\[/,
    );
    const sent = events.find((e) => e.side === "client" && e.call === "send" && e.bytes === 23);
    expect(sent.syscalls.map((s: { name: string; result: number }) => [s.name, s.result])).toEqual([
      ["sendmsg", 23],
    ]);
  });
});

it("without strace: one line that says how to get it, exit 1", async () => {
  const { code, stdout, stderr } = await playground(["--trace-syscalls"], 20_000, { PATH: tempDir() });
  expect(stdout).toBe("");
  expect(stderr).toBe("playground: --trace-syscalls needs strace: apt-get install strace\n");
  expect(code).toBe(1);
});
