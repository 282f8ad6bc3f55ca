// `playground run` as a user runs it: a child process, every transport, real sockets.
import { readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { TRANSPORTS } from "../../src/transports/facts.js";
import { playground } from "../helpers/cli.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(removeTempDirs);

describe.each(TRANSPORTS)("playground --family $family --type $type", ({ family, type }) => {
  it("prints the lab's conversation and exits 0", async () => {
    const { code, stdout, stderr } = await playground([
      "--family",
      family,
      "--type",
      type,
      "--format",
      "lines",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Server is (listening on|bound to) /m);
    expect(stdout).toContain("Received from server: Welcome to the server!\n");
    expect(stdout).toMatch(/^Received from client \(session 1\): Hello, Server! This is the client\.$/m);
    expect(stdout).toContain("Received from server: Message received!\n");
    if (type === "dgram") expect(stdout).toMatch(/no listen\(\) for datagrams/);
    else expect(stdout).toMatch(/^Connection from .* has been established\.$/m);
  });
});

describe("abstract names", () => {
  // The note is no result: it goes to stderr with the warnings, wrapped, and stdout holds only the run.
  it("unix-stream runs on one and says what Node does to it, on stderr", async () => {
    const { code, stdout, stderr } = await playground([
      "--family",
      "unix",
      "--type",
      "stream",
      "--abstract",
      "--format",
      "lines",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Server is listening on @socket-playground-/);
    expect(stdout).not.toContain("note:");
    const note = stderr.replace(/\n {2}/g, " ");
    expect(note).toMatch(
      /^playground: note: @\S+ is an abstract name.*108-byte sun_path.*unix-tightsocklen=0/,
    );
    for (const line of stderr.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    expect(stdout).toContain("Received from server: Message received!");
  });

  it.each(["unix-dgram", "unix-seqpacket"])(
    "%s runs on one at its exact length, and says so",
    async (name) => {
      const { code, stdout, stderr } = await playground([
        "--transport",
        name,
        "--abstract",
        "--format",
        "lines",
      ]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/Server is (listening on|bound to) @socket-playground-/);
      expect(stdout).toContain("Received from server: Message received!");
      const note = stderr.replace(/\n {2}/g, " ");
      expect(note).toMatch(/^playground: note: @\S+ is an abstract name.*at its exact length/);
      expect(note).not.toContain("108-byte");
    },
  );
});

describe("playground run", () => {
  it("--message sets what the client sends", async () => {
    const { stdout } = await playground(["--message", "custom words", "--format", "lines"]);
    expect(stdout).toMatch(/Received from client \(session 1\): custom words/);
  });

  it("leaves no temp dir or socket file behind", async () => {
    // A TMPDIR of its own, so other tests running at the same time cannot blur the count.
    const TMPDIR = tempDir();
    const runs = ["unix-stream", "unix-dgram", "unix-seqpacket"].map((t) =>
      playground(["--transport", t], 20_000, { TMPDIR }),
    );
    expect((await Promise.all(runs)).map((r) => r.code)).toEqual([0, 0, 0]);
    expect(readdirSync(TMPDIR)).toEqual([]);
  });
});

describe("--message-end: the ladder and the notes say which rule ended the message", () => {
  it.each([
    [
      [],
      "1st recv()",
      /The first recv\(\) was taken as the whole message, as the lab's server does \(--message-end recv\)/,
    ],
    [
      ["--message-end", "eof"],
      "EOF",
      /EOF ended the message: .* \(--message-end eof\)\. This rule reads whole messages/,
    ],
    [["--message-end", "newline", "--message", "one line\n"], "newline", /A newline ended the message/],
    // Our client shuts down its side right after sending: EOF comes before any newline or pause.
    [
      ["--message-end", "newline,pause:5000"],
      "EOF",
      /EOF ended the message: .* \(--message-end newline,pause:5000\)\. A client that sends and waits is served after 5000 ms/,
    ],
  ])("%j", async (flags, drawn, note) => {
    const { code, stdout } = await playground(["--transport", "unix-stream", ...flags]);
    expect(code).toBe(0);
    // Drawn in the server's lane as what it is, with no star: it is no call.
    expect(stdout).toMatch(
      new RegExp(`^\\s+[\\d.]+\\s{60,}message ended: ${drawn.replace(/[()]/g, "\\$&")}$`, "m"),
    );
    expect(stdout.replace(/\n {4}/g, " ")).toMatch(note);
  });

  it("--json names it message-end, which is not one of socket(2)'s calls", async () => {
    const { stdout } = await playground(["--transport", "tcp6", "--json"]);
    const ends = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((e) => e.call === "message-end");
    expect(ends).toMatchObject([
      { side: "server", session: 1, detail: "recv", rule: "recv", inferred: false },
    ]);
  });

  it("records need no rule: seqpacket draws none, and refuses the flag", async () => {
    const { stdout } = await playground(["--transport", "unix-seqpacket"]);
    expect(stdout).not.toContain("message ended");
    const refused = await playground(["--transport", "unix-seqpacket", "--message-end", "eof"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /--message-end is for stream sockets: on unix-seqpacket .* each record is one message/,
    );
  });
});

describe("bad command lines: one line, exit 2, no stack trace", () => {
  it.each([
    [
      ["--family", "inet", "--type", "seqpacket"],
      /no --family inet --type seqpacket transport; the pairs are: .*unix\/seqpacket/,
    ],
    [["--family", "ipx"], /unknown --family 'ipx'/],
    [["--bogus"], /unknown flag --bogus/],
    [["server", "--port", "70000"], /--port 70000: too large; give a port, a whole number from 0 to 65535/],
    [
      ["server", "--transport", "unix-stream", "--path", "/no/such/dir/x.sock"],
      /directory \/no\/such\/dir does not exist/,
    ],
    [["server", "--transport", "unix-stream", "--path", `/tmp/${"x".repeat(120)}`], /at most 107/],
    [["client", "--transport", "unix-dgram", "--port", "5"], /a unix socket takes --path/],
    [
      ["--message-end", "line"],
      /--message-end line: 'line' is not a rule — give recv, newline, eof or pause:MS/,
    ],
    [["server", "--message-end", "pause:0"], /--message-end pause:0: the pause is whole milliseconds/],
    [["server", "--transport", "udp4", "--message-end", "newline"], /--message-end is for stream sockets/],
    [["--trace-syscalls", "--message-end", "x"], /'x' is not a rule/],
    [
      ["--message-end", "recv", "--message-end", "eof"],
      /--message-end was given twice \(recv, eof\): give it once, its values joined by commas: --message-end recv,eof$/m,
    ],
    [["--message-end", "pause:5,pause:9"], /one pause at most/],
  ])("%j", async (args, message) => {
    const { code, stderr, stdout } = await playground(args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr.trim().split("\n")[0]).toMatch(/^playground: /);
  });
});
