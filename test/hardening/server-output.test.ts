// What `playground server` prints (the lab's lines) says what the server did, and no more: the
// message once, however much a peer sends after it (one line per session says how much was
// discarded, so a flood cannot flood the output); and what it refused, with what it answered, at
// --log-level warn too (a message too long, no message at all, a peer turned away as busy, a peer
// that never sent its message in time).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServerProcess } from "../helpers/cli.js";
import { hostPort, Peer, PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const WELCOME = "Welcome to the server!";
const ACK = "Message received!";

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

/**
 * Where a server quiet enough to print no ready line (--log-level warn) listens: its socket file, or
 * the port the kernel gave it, as ss(8) shows it for the server's process.
 */
async function quietAddress(server: ServerProcess, where: string[], udp = false): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (where[0] === "--path" && existsSync(where[1] as string)) return where[1] as string;
    if (where[0] === "--port") {
      const listing = execFileSync("ss", [udp ? "-Hlunp" : "-Hltnp"], { encoding: "utf8" });
      const mine = listing.split("\n").find((line) => line.includes(`pid=${server.child.pid},`));
      const port = mine?.match(/127\.0\.0\.1:(\d+)/)?.[1];
      if (port) return `127.0.0.1:${port}`;
    }
    if (Date.now() > deadline) throw new Error(`server never listened: ${server.output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `playground server` on port 0 or a fresh socket path; its address and how to reach it. */
async function serve(transport: string, args: string[] = []) {
  const where = transport.startsWith("unix") ? ["--path", join(tempDir(), "s.sock")] : ["--port", "0"];
  const server = track(new ServerProcess(["--transport", transport, ...where, ...args]));
  const address = args.includes("warn") ? await quietAddress(server, where) : await server.address();
  const connect = () => {
    const target = transport.startsWith("unix")
      ? { path: address }
      : { host: hostPort(address).host, port: Number(hostPort(address).port) };
    // Half-open: the server's FIN after its ack must not end our side, which goes on sending.
    return new Talk(net.connect({ ...target, allowHalfOpen: true }));
  };
  return { server, connect };
}

/** A client socket and everything it has received. */
class Talk {
  received = "";
  readonly closed: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.on("data", (d) => {
      this.received += d;
    });
    socket.on("error", () => {}); // a reset after the server's close is no failure here
    this.closed = new Promise((resolve) => socket.on("close", () => resolve()));
  }

  async waitFor(text: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.received.includes(text)) {
      if (Date.now() > deadline) throw new Error(`never received ${JSON.stringify(text)}: ${this.received}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * A peer the server welcomed. With --max-connections 1 the place of the session before frees only
 * once the server has closed it; until then a peer is turned away as busy, and tries again.
 */
async function welcomed(connect: () => Talk): Promise<Talk> {
  for (;;) {
    const peer = connect();
    while (!/Welcome|busy:/.test(peer.received)) await new Promise((resolve) => setTimeout(resolve, 10));
    if (peer.received.startsWith(WELCOME)) return peer;
    peer.socket.destroy();
  }
}

const count = (text: string, pattern: RegExp) => text.split("\n").filter((l) => pattern.test(l)).length;

describe.each(["tcp4", "unix-stream"])("%s: bytes after the message", (transport) => {
  it("are read and discarded: the message prints once, and one line says how much came after", async () => {
    const { server, connect } = await serve(transport);
    const peer = connect();
    await peer.waitFor(WELCOME);
    peer.socket.write("hello");
    await peer.waitFor(ACK);
    for (let i = 0; i < 5; i++) {
      peer.socket.write(`more data ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 20)); // five reads, most likely
    }
    peer.socket.end();
    await server.waitFor(/Discarded \d+ B/);
    expect(count(server.output, /^Received from client/)).toBe(1);
    expect(server.output).toMatch(/^Received from client \(session 1\): hello$/m);
    expect(server.output).toMatch(/^Discarded 55 B the client sent after its message \(session 1\)\.$/m);
    expect(server.output).not.toMatch(/more data/);
  });

  it("a flood after the message does not flood the output", async () => {
    const { server, connect } = await serve(transport);
    const peer = connect();
    await peer.waitFor(WELCOME);
    peer.socket.write("hello");
    await peer.waitFor(ACK);
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 64; i++) peer.socket.write(chunk); // 4 MiB, read as many chunks
    peer.socket.end();
    await peer.closed;
    await server.waitFor(/Discarded \d+ B/);
    const lines = server.output.trim().split("\n");
    expect(lines, server.output).toHaveLength(4); // listening, connection, the message, discarded
    expect(server.output.length).toBeLessThan(1_000);
  });
});

describe.each(["tcp4", "unix-stream"])("%s: what the server refused", (transport) => {
  it.each(["info", "warn"])("says what it answered, at --log-level %s", async (level) => {
    const limits = ["--max-message-bytes", "10", "--max-connections", "1", "--log-level", level];
    const { server, connect } = await serve(transport, limits);

    const long = await welcomed(connect);
    long.socket.write("this is longer than ten");
    await long.waitFor("error: message longer than 10 bytes\n");
    long.socket.destroy();
    await server.waitFor(/refused the message: answered "error: message longer than 10 bytes"$/m);

    const empty = await welcomed(connect);
    empty.socket.end();
    await server.waitFor(/session 2 \(.*\): EOF before any message: closed without an answer$/m);

    const held = await welcomed(connect);
    const busy = connect();
    await busy.waitFor("busy: too many connections");
    busy.socket.destroy();
    await server.waitFor(/over --max-connections\): turned away: answered "busy: too many connections/);
    held.socket.destroy();

    // The turned-away peer is not shown as a connection established; warn prints only refusals.
    const established = count(server.output, /has been established/);
    expect(established).toBe(level === "info" ? 3 : 0);
    if (level === "warn") expect(server.output).not.toMatch(/Received from client|listening/);
  });
});

describe.each(["tcp4", "unix-stream"])("%s: a session the server gave up on", (transport) => {
  it("says it closed without an answer, and why, at --log-level warn", async () => {
    const { server, connect } = await serve(transport, ["--idle-timeout", "1", "--log-level", "warn"]);
    const idle = connect();
    await idle.waitFor(WELCOME);
    await server.waitFor(/session 1 \(.*\): closed without an answer: no byte for 1 s$/m);
    idle.socket.destroy();
  });
});

describe("udp4: what the server refused", () => {
  it("a datagram message too long: the error line it answered, at --log-level warn", async () => {
    requireTool(PYTHON);
    const limits = ["--max-message-bytes", "10", "--log-level", "warn"];
    const server = track(new ServerProcess(["--transport", "udp4", "--port", "0", ...limits]));
    const { port } = hostPort(await quietAddress(server, ["--port", "0"], true));
    const script = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"hello, this hello is long enough", ("127.0.0.1", ${port}))
s.recvfrom(100)
s.sendto(b"this is longer than ten", ("127.0.0.1", ${port}))
print(s.recvfrom(100)[0].decode().strip())`;
    const done = await new Peer(PYTHON, ["-c", script]).exit();
    expect(done.stdout.trim()).toBe("error: message longer than 10 bytes");
    await server.waitFor(
      /session 1 \(127\.0\.0\.1:\d+\): refused the message: answered "error: message longer/,
    );
  });
});
