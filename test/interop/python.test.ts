// The classic lab's programs, written in Python with nothing but the socket module
// (test/peers/classic_*.py), against ours, on every transport, in both directions: their client
// against `playground server`, and `playground client` against their server. Byte for byte.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { playground, ServerProcess } from "../helpers/cli.js";
import {
  abstractName,
  CLASSIC_CLIENT_OUTPUT,
  hostPort,
  literal,
  Peer,
  PYTHON,
  PythonServer,
  pythonClient,
  requireTool,
  stopAll,
  track,
} from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const MESSAGE = "Hello, Server! This is the client.";

const TRANSPORTS = [
  { name: "tcp4", family: "inet", type: "stream", host: "127.0.0.1" },
  { name: "tcp6", family: "inet6", type: "stream", host: "::1" },
  { name: "udp4", family: "inet", type: "dgram", host: "127.0.0.1" },
  { name: "udp6", family: "inet6", type: "dgram", host: "::1" },
  { name: "unix-stream", family: "unix", type: "stream" },
  { name: "unix-dgram", family: "unix", type: "dgram" },
  { name: "unix-seqpacket", family: "unix", type: "seqpacket" },
] as const;

type Case = (typeof TRANSPORTS)[number];

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

/** `playground server` on a fresh address: port 0, or a socket file in a temp dir. */
async function ourServer(t: Case, dir: string): Promise<{ server: ServerProcess; address: string }> {
  const where = t.family === "unix" ? ["--path", join(dir, `${t.type}.sock`)] : ["--port", "0"];
  const server = track(new ServerProcess(["--transport", t.name, ...where]));
  return { server, address: await server.address() };
}

/** The classic client's arguments for an address our server printed. */
function classicArgs(t: Case, address: string): string[] {
  if (t.family === "unix") return [t.family, t.type, address];
  const { host, port } = hostPort(address);
  return [t.family, t.type, host, port];
}

/** The playground client's flags for an address the classic server printed. */
function playgroundFlags(t: Case, address: string): string[] {
  if (t.family === "unix") return ["--transport", t.name, "--path", address];
  const { host, port } = hostPort(address);
  return ["--transport", t.name, "--host", host, "--port", port];
}

describe.each(TRANSPORTS)("$name with the classic Python programs", (t) => {
  it(`a classic Python client (${t.family}, ${t.type}) gets exactly the welcome and the ack from playground server`, async () => {
    requireTool(PYTHON);
    const dir = tempDir();
    const { server, address } = await ourServer(t, dir);
    const run = await pythonClient(classicArgs(t, address), { TMPDIR: dir });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(CLASSIC_CLIENT_OUTPUT);
    expect(run.code).toBe(0);
    // What the server read is exactly what the classic client sent: no terminator added or lost.
    await server.waitFor(new RegExp(`Received from client \\(session 1\\): ${literal(MESSAGE)}\\n`));
    const stopped = await server.stop();
    expect(stopped.code, server.output).toBe(0);
    if (t.family === "unix") {
      // The server removed its socket file; the unix dgram client removed its own (under TMPDIR).
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it(`playground client against a classic Python server (${t.family}, ${t.type})`, async () => {
    requireTool(PYTHON);
    const dir = tempDir();
    const where = t.family === "unix" ? [join(dir, `${t.type}.sock`)] : [t.host, "0"];
    const python = track(new PythonServer([t.family, t.type, ...where]));
    const address = await python.address();
    const run = await playground(["client", ...playgroundFlags(t, address)], 10_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const received = run.stdout.split("\n").filter((line) => line.startsWith("Received from server: "));
    expect(received).toEqual([
      "Received from server: Welcome to the server!",
      "Received from server: Message received!",
    ]);
    const served = await python.exit();
    expect(served.code, python.transcript()).toBe(0);
    expect(served.stdout.split("\n")).toContain(`Received from client: ${MESSAGE}`);
    if (t.family === "unix") expect(existsSync(address)).toBe(false);
  });
});

// The server names each peer by what getpeername(2) says (net-node.ts remoteOf(), through the addon's
// inetPeerName() where the addon is built). The client's own getsockname(2) is the other end of the
// same question.
const NAMED_CLIENT = `
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(5.0)
s.connect((sys.argv[1], int(sys.argv[2])))
host, port = s.getsockname()[:2]
print(f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}", flush=True)
s.recv(1024)
s.sendall(b"${MESSAGE}")
s.recv(1024)
s.close()
`;

describe.each(TRANSPORTS.filter((t) => t.family !== "unix" && t.type === "stream"))(
  "$name: who connected",
  (t) => {
    it("the server's line names the client by the address and port its socket has (getsockname on the client)", async () => {
      requireTool(PYTHON);
      const server = track(new ServerProcess(["--transport", t.name, "--port", "0"]));
      const { host, port } = hostPort(await server.address());
      const names: string[] = [];
      for (let i = 0; i < 3; i++) {
        const peer = new Peer(PYTHON, ["-c", NAMED_CLIENT, host, port]);
        peer.end();
        const run = await peer.exit(10_000);
        expect(run.code, run.stderr).toBe(0);
        names.push(run.stdout.trim());
      }
      for (const [i, name] of names.entries()) {
        const line = `Connection from ${name} has been established.\nReceived from client (session ${i + 1})`;
        await server.waitFor(new RegExp(literal(line)));
      }
    });
  },
);

describe("unix-stream abstract names: Node pads them to 108 bytes, Python does not", () => {
  it("a Python client with the exact-length name \\0name is refused by playground server --path @name", async () => {
    requireTool(PYTHON);
    const name = abstractName("exact");
    const server = track(new ServerProcess(["--transport", "unix-stream", "--path", name]));
    expect(await server.address()).toBe(name);
    const run = await pythonClient(["unix", "stream", name]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/ConnectionRefusedError: \[Errno 111\]/);
  });

  it("a Python client with the name NUL-padded to 108 bytes reaches playground server --path @name", async () => {
    requireTool(PYTHON);
    const name = abstractName("padded");
    const server = track(new ServerProcess(["--transport", "unix-stream", "--path", name]));
    await server.address();
    const run = await pythonClient(["unix", "stream", name, "--padded"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(CLASSIC_CLIENT_OUTPUT);
    expect(run.code).toBe(0);
    await server.waitFor(new RegExp(`Received from client \\(session 1\\): ${literal(MESSAGE)}\\n`));
  });

  it("and the other way round: playground client --path @name is refused by a Python server on \\0name", async () => {
    requireTool(PYTHON);
    const name = abstractName("reverse");
    const python = track(new PythonServer(["unix", "stream", name]));
    expect(await python.address()).toBe(name);
    const run = await playground(["client", "--transport", "unix-stream", "--path", name], 10_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ECONNREFUSED/);
  });
});

describe.each(TRANSPORTS.filter((t) => t.type === "stream"))(
  "$name: the lab's client, which sends no terminator and waits, is served at once",
  (t) => {
    /** `playground server` with these flags, and the classic client's run against it. */
    async function classicSession(flags: string[]) {
      requireTool(PYTHON);
      const dir = tempDir();
      const where = t.family === "unix" ? ["--path", join(dir, "server.sock")] : ["--port", "0"];
      const server = track(
        new ServerProcess(["--transport", t.name, ...where, "--log-level", "debug", ...flags]),
      );
      const address = await server.address();
      return { server, run: await pythonClient(classicArgs(t, address), { TMPDIR: dir }) };
    }

    it("the first recv() ends the message, long before a pause of 600 s could", async () => {
      // The client gives up after 5 s (its socket timeout): an ack at all means the pause did not end it.
      const { server, run } = await classicSession(["--message-end", "recv,pause:600000"]);
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe(CLASSIC_CLIENT_OUTPUT);
      await server.waitFor(/server session 1: message ended: recv \(--message-end recv,pause:600000\)/);
    });

    it("and the check can fail: with only the 600 s pause, the client gets no ack", async () => {
      const { server, run } = await classicSession([
        ...["--message-end", "pause:600000", "--message-timeout", "1"],
      ]);
      // The server closes the session at its message deadline: the client's second recv() reads EOF.
      expect(run.stdout).not.toContain("Message received!");
      await server.waitFor(/closed without an answer: no whole message in 1 s/);
      // Said once, though debug shows every call too.
      expect(server.output.match(/no whole message in 1 s/g)).toHaveLength(1);
    });
  },
);
