// A peer chooses some of what the server prints: its unix socket's path, the bytes it sends. None of
// it may reach a terminal or a log as control characters: a peer must not forge a line ("Server is
// listening on …") or send the terminal an escape sequence (C0's ESC, C1's CSI). Every C0 and C1
// control is printed escaped, in every view.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runProgram, ServerProcess } from "../helpers/cli.js";
import { PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

// A unix datagram peer bound at a path made of control characters and a forged line, sending a hello
// with an ESC sequence and a C1 CSI in it.
const EVIL_PEER = `
import os, socket, sys
server, dir = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(os.path.join(dir, "x\\x1b[2J\\nServer is listening on forged\\x07"))
s.settimeout(5)
s.sendto("hello \\x1b[31mred\\u009b2J and more".encode(), server)
print(s.recv(100).decode(), flush=True)
s.close()
`;

/** The C0 controls but newline, DEL and the C1 controls in `text`. */
function rawControls(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== "\n") || (code >= 0x7f && code <= 0x9f);
  });
}

describe.each(["lines", "json"])("--format %s: what a peer chose is printed escaped", (format) => {
  it("a unix-dgram peer's path and hello: no raw control, no forged line", async () => {
    requireTool(PYTHON);
    const dir = tempDir();
    const path = join(dir, "s.sock");
    const flags = format === "json" ? ["--json"] : [];
    const server = track(
      new ServerProcess(["--transport", "unix-dgram", "--path", path, "--drain-timeout", "0", ...flags]),
    );
    await server.waitFor(/bound to|"call":"bind"/);
    const run = await runProgram(PYTHON, ["-c", EVIL_PEER, path, dir]);
    expect(run.stdout).toBe("Welcome to the server!\n"); // the peer was served, so its lines were printed
    await server.waitFor(/hello /);
    await server.stop();
    expect(rawControls(server.output)).toEqual([]);
    expect(server.output).not.toMatch(/^Server is listening on forged/m);
    expect(server.output).toContain(format === "json" ? "\\\\x1b[31mred\\\\x9b2J" : "\\x1b[31mred\\x9b2J");
  });
});
