// A failed run's ladder tells only what this run did: the call that failed is the one the error names,
// a call that failed draws no arrow, and the notes explain no call that never happened (no accept()
// for a client that never connected, no socket file for a server that never bound). Real failures on
// loopback: nothing listening, a missing path, a server that closes at once, a connect() never answered.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { playground } from "../helpers/cli.js";
import { fullListener, Peer, PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

/** `client --format ladder` against `where`: its ladder rows, its notes, and its one error line. */
async function failedLadder(args: string[]) {
  const run = await playground(["client", "--format", "ladder", "--timeout", "2", ...args], 15_000);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  const [ladder = "", notes = ""] = run.stdout.split("\nNotes:\n");
  return { ladder, notes, error: run.stderr.trim() };
}

/** The failed call the error line names (`playground: connect ECONNREFUSED ...`) is the ladder's ✗ row. */
function expectFailureAgrees({ ladder, error }: { ladder: string; error: string }): void {
  const [, op, code] = /^playground: (\w+) (\w+) /.exec(error) ?? [];
  const failed = ladder.split("\n").filter((line) => line.includes("✗"));
  expect(failed, ladder).toHaveLength(1);
  // send and sendto, recv and recvfrom are one op each.
  expect(failed[0]).toMatch(new RegExp(`${op}\\w*\\(\\) ✗ ${code}`));
  // A failed call crosses to no one.
  expect(failed[0]).not.toMatch(/[▶◀]/);
}

/** Notes only for what happened: the client never reached a server here. */
function expectNoServerNotes(notes: string): void {
  expect(notes).not.toMatch(/accept\(\)/);
  expect(notes).not.toMatch(/The address +is/);
  expect(notes).not.toMatch(/\b0 send\(\)s arrived as 0 recv\(\)s/);
}

describe("a failed run's ladder tells only what happened", () => {
  it.each(["tcp4", "tcp6", "unix-stream", "unix-seqpacket"])(
    "%s with nothing there: connect() ✗, no arrow, no accept() in the notes",
    async (transport) => {
      const where = transport.startsWith("unix")
        ? ["--path", join(tempDir(), "missing.sock")]
        : ["--port", "1"];
      const run = await failedLadder(["--transport", transport, ...where]);
      expect(run.error).toMatch(/^playground: connect (ECONNREFUSED|ENOENT) /);
      expectFailureAgrees(run);
      expect(run.ladder).not.toMatch(/─ connect ─/);
      expectNoServerNotes(run.notes);
    },
  );

  it("unix-dgram to a missing path: the sendto() that failed, not a recvfrom()", async () => {
    const run = await failedLadder(["--transport", "unix-dgram", "--path", join(tempDir(), "missing.sock")]);
    expect(run.error).toMatch(/^playground: send ENOENT /);
    expectFailureAgrees(run);
    expect(run.ladder).not.toMatch(/sendto\(23 B\)/); // the hello never left
    expectNoServerNotes(run.notes);
  });

  it("a server that closes at once: EOF, and no reset nobody sent", async () => {
    const server = track(
      new Peer(process.execPath, [
        "-e",
        `const s = require("node:net").createServer((c) => c.end());
         s.listen(0, "127.0.0.1", () => console.log(s.address().port));`,
      ]),
    );
    const [, port = ""] = await server.waitFor(/(\d+)\n/);
    const run = await failedLadder(["--port", port]);
    expect(run.error).toMatch(
      /^playground: recv EOF 127\.0\.0\.1:\d+: the server closed the connection before the welcome$/,
    );
    expect(run.ladder).toMatch(/EOF \('end' event\)/);
    expect(run.ladder).not.toMatch(/ECONNRESET/);
    expectFailureAgrees(run);
    expectNoServerNotes(run.notes);
  });

  it("tcp4 to a listener that never answers the SYN: connect() made, never answered, and the playground gave up", async () => {
    requireTool(PYTHON);
    const [, port = ""] = await fullListener();
    const run = await failedLadder(["--port", port]);
    expect(run.error).toMatch(/^playground: connect ETIMEDOUT 127\.0\.0\.1:\d+: no connection within 2 s$/);
    // No call returned ETIMEDOUT: the kernel was still retrying the SYN when our --timeout ran out.
    expect(run.ladder).not.toMatch(/✗/);
    expect(run.ladder).toMatch(/connect\(127\.0\.0\.1:\d+\) +\(never answered\)/);
    expect(run.ladder).toMatch(/gave up on connect\(\)/);
    expect(run.ladder).not.toMatch(/ABORT_ERR|─ connect ─|recv\(/);
    expectNoServerNotes(run.notes);
  });

  it("udp4 with nothing there: no note on how datagrams arrive, for nothing arrived", async () => {
    const run = await failedLadder(["--transport", "udp4", "--port", "1"]);
    expect(run.error).toMatch(/^playground: recv ECONNREFUSED /);
    expect(run.notes).not.toMatch(/exactly one recv\(\)|recvfrom\(\)|No listen\(\)/);
  });

  it.each(["tcp4", "unix-stream"])(
    "%s run with an empty message: send(0 B) crosses to no one, and no note on an ack that never came",
    async (transport) => {
      const run = await playground(["run", "--transport", transport, "--message", "", "--format", "ladder"]);
      expect(run.code, run.stderr).toBe(1);
      const [ladder = "", notes = ""] = run.stdout.split("\nNotes:\n");
      const send = ladder.split("\n").find((line) => line.includes("send(0 B)"));
      expect(send, ladder).toMatch(/\(nothing sent: 0 B on a stream\)/);
      expect(send).not.toMatch(/[▶◀]/);
      expect(notes).not.toMatch(/shutdown\(SHUT_WR\)|read the ack/);
    },
  );
});
