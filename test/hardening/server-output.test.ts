// What `playground server` prints (the lab's lines) says what the server did, and no more: the
// message once, however much a peer sends after it (one line per session says how much was
// discarded, so a flood cannot flood the output).
import net from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServerProcess } from "../helpers/cli.js";
import { hostPort, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const WELCOME = "Welcome to the server!";
const ACK = "Message received!";

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

/** `playground server` on port 0 or a fresh socket path; its address and how to reach it. */
async function serve(transport: string, args: string[] = []) {
  const where = transport.startsWith("unix") ? ["--path", join(tempDir(), "s.sock")] : ["--port", "0"];
  const server = track(new ServerProcess(["--transport", transport, ...where, ...args]));
  const address = await server.address();
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
