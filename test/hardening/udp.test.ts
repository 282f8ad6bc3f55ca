// UDP against `playground server`, from raw node:dgram peers that count every byte: the server is
// never an amplifier (RFC 9000 §8.1: at most 3 × what an unproven address sent), its per-peer state
// is bounded by --max-peers, and ICMP errors, oversized datagrams, vanished peers and sends after
// close never crash it.
import dgram from "node:dgram";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UNIX_DGRAM_READ_SIZE } from "../../src/transports/unix-addon/index.js";
import { playground, runProgram, ServerProcess } from "../helpers/cli.js";
import { hostPort, Peer, PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const WELCOME = "Welcome to the server!";
const ACK = "Message received!";
const HELLO = "HELLO socket-playground"; // what `playground client` opens with: 23 bytes

const peers: DatagramPeer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  await stopAll();
  removeTempDirs();
});

/** A udp4 server on port 0; sessions left open do not hold up its stop for the default 5 s. */
async function udpServer(flags: string[] = []): Promise<{ server: ServerProcess; port: number }> {
  const args = ["--transport", "udp4", "--port", "0", "--drain-timeout", "0.2", ...flags];
  const server = track(new ServerProcess(args));
  return { server, port: Number(hostPort(await server.address()).port) };
}

/** A UDP peer on its own port that counts the bytes it sent and received, and checks the 3× rule. */
class DatagramPeer {
  sent = 0;
  received = 0;
  replies: string[] = [];
  /** Set if a reply ever took the server over 3 × what this peer had sent. */
  amplified: string | undefined;
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly port: number,
  ) {
    socket.on("message", (data) => {
      this.received += data.length;
      this.replies.push(data.toString());
      if (this.received > 3 * this.sent) this.amplified ??= `${this.received} B back for ${this.sent} B sent`;
    });
    socket.on("error", () => {});
  }

  static open(port: number): Promise<DatagramPeer> {
    const socket = dgram.createSocket("udp4");
    return new Promise((resolve) => {
      socket.bind(0, "127.0.0.1", () => {
        const peer = new DatagramPeer(socket, port);
        peers.push(peer);
        resolve(peer);
      });
    });
  }

  send(data: string | Buffer): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    this.sent += bytes.length; // counted first: a reply can come before the send callback
    return new Promise((resolve, reject) =>
      this.socket.send(bytes, this.port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
    );
  }

  async waitFor(text: string, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.replies.includes(text)) {
      if (Date.now() > deadline)
        throw new Error(`no ${JSON.stringify(text)}; got ${JSON.stringify(this.replies)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Nothing more arrives for `ms`. */
  async quiet(ms: number): Promise<boolean> {
    const before = this.replies.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.replies.length === before;
  }

  /** One whole session: the hello, then the message, each resent until answered. */
  async session(message: string): Promise<void> {
    await this.resendUntil(HELLO, WELCOME);
    await this.resendUntil(message, ACK);
  }

  private async resendUntil(data: string, reply: string): Promise<void> {
    for (let attempt = 0; attempt < 10 && !this.replies.includes(reply); attempt++) {
      await this.send(data);
      const deadline = Date.now() + 200;
      while (!this.replies.includes(reply) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (!this.replies.includes(reply)) throw new Error(`no ${reply} for ${data}`);
  }

  close(): void {
    if (!this.closed) this.socket.close();
    this.closed = true;
  }
}

describe("udp4: never an amplifier", () => {
  it("a 3-byte hello gets nothing; a second line brings the welcome; at no point more than 3 × back", async () => {
    const { port } = await udpServer();
    const peer = await DatagramPeer.open(port);
    await peer.send("hi\n"); // 3 B: the 22-byte welcome would be over 7 ×
    expect(await peer.quiet(300)).toBe(true);
    expect(peer.received).toBe(0);

    await peer.send("there\n"); // 9 B in all: 27 B allowed
    await peer.waitFor(WELCOME);
    expect(peer.received).toBe(22);

    // A 3-byte message: the ack would bring the total to 39 B for 12 B sent, so it waits too,
    // and the message resent (as a client resends when no reply comes) releases it.
    await peer.send("ok\n");
    expect(await peer.quiet(300)).toBe(true);
    await peer.send("ok\n");
    await peer.waitFor(ACK);
    expect(peer.replies).toEqual([WELCOME, ACK]);
    expect(peer.amplified).toBeUndefined();
  });

  it("the welcome needs an 8-byte hello: 7 bytes are held, the 8th releases it", async () => {
    const { port } = await udpServer();
    const seven = await DatagramPeer.open(port);
    await seven.send("1234567");
    expect(await seven.quiet(300)).toBe(true);
    await seven.send("8");
    await seven.waitFor(WELCOME);

    const eight = await DatagramPeer.open(port);
    await eight.send("12345678");
    await eight.waitFor(WELCOME);
    expect([seven.amplified, eight.amplified]).toEqual([undefined, undefined]);
  });

  it("a flood of 1-byte datagrams is answered with no more than 3 × its bytes", async () => {
    const { server, port } = await udpServer();
    const peer = await DatagramPeer.open(port);
    for (let i = 0; i < 60; i++) {
      await peer.send("x");
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await peer.quiet(200);
    expect(peer.amplified).toBeUndefined();
    expect(peer.received).toBeGreaterThan(0); // the rule releases welcomes as the budget allows
    expect(peer.received).toBeLessThanOrEqual(3 * 60);
    expect(server.child.exitCode).toBe(null);
  });
});

describe("udp4: per-peer state is bounded by --max-peers", () => {
  it("of 50 peers, the oldest are forgotten: a resent message opens a new session instead of an ack", async () => {
    const { port } = await udpServer(["--max-peers", "5", "--idle-timeout", "10"]);
    const all: DatagramPeer[] = [];
    for (let i = 0; i < 50; i++) {
      const peer = await DatagramPeer.open(port);
      await peer.session(`message from peer ${i}`);
      all.push(peer);
    }
    const [oldest, newest] = [all[0] as DatagramPeer, all[49] as DatagramPeer];
    oldest.replies = [];
    newest.replies = [];
    // The newest is still remembered: its resent message (its ack lost, say) gets the ack again.
    await newest.send("message from peer 49");
    await newest.waitFor(ACK);
    // The oldest was forgotten: the same datagram is a stranger's hello, and gets a fresh welcome.
    await oldest.send("message from peer 0");
    await oldest.waitFor(WELCOME);
    expect(oldest.replies).toEqual([WELCOME]);
  });

  it("50 peers open sessions; the server holds 5 (what it says it waits for on SIGTERM)", async () => {
    const { server, port } = await udpServer(["--max-peers", "5", "--idle-timeout", "10"]);
    for (let i = 0; i < 50; i++) {
      const peer = await DatagramPeer.open(port);
      await peer.send(HELLO);
      await peer.waitFor(WELCOME);
    }
    const stopped = await server.stop("SIGTERM");
    expect(server.output).toContain("SIGTERM: no new peers; waiting up to 0.2 s for 5 session(s)");
    expect(stopped.code).toBe(0);
  });
});

describe("udp4: what must never crash the server", () => {
  // Each welcome below meets a closed port, and the kernel answers it with ICMP port unreachable. Linux
  // reports that only to a connected UDP socket (or one with IP_RECVERR), not to the server's, so the
  // server sees nothing; the unix-dgram test below is where a reply to a vanished peer really fails.
  it("peers that vanish mid-session (replies meet closed ports: ICMP unreachable); their sessions expire", async () => {
    const { server, port } = await udpServer(["--idle-timeout", "0.3"]);
    for (let i = 0; i < 20; i++) {
      const peer = await DatagramPeer.open(port);
      await peer.send(HELLO);
      peer.close(); // gone before the welcome: the kernel answers it with ICMP port unreachable
    }
    const healthy = await playground(["client", "--transport", "udp4", "--port", String(port)]);
    expect(healthy.stdout).toContain(ACK);
    expect(healthy.code).toBe(0);
    expect(server.child.exitCode).toBe(null);

    await new Promise((resolve) => setTimeout(resolve, 600)); // two idle timeouts
    const stopped = await server.stop("SIGTERM");
    expect(server.output).toContain("waiting up to 0.2 s for 0 session(s)");
    expect(stopped.code).toBe(0);
  });

  it("oversized datagrams (65,507 B, the most udp4 can carry) are served like any other", async () => {
    const { server, port } = await udpServer();
    const peer = await DatagramPeer.open(port);
    await peer.send(Buffer.alloc(65_507, "h"));
    await peer.waitFor(WELCOME);
    await peer.send(Buffer.alloc(65_507, "m"));
    await peer.waitFor(ACK);
    const healthy = await playground(["client", "--transport", "udp4", "--port", String(port)]);
    expect(healthy.code).toBe(0);
    expect(server.child.exitCode).toBe(null);
  });

  // The server answers inside the 'message' handler, and a closed socket delivers no more messages, so
  // a reply after close cannot be provoked from outside; traffic during the drain and the close can.
  it("datagrams arriving while the server drains and closes end in a clean exit 0", async () => {
    const { server, port } = await udpServer();
    const blasters = await Promise.all(Array.from({ length: 10 }, () => DatagramPeer.open(port)));
    let blasting = true;
    const blasts = blasters.map(async (peer) => {
      for (let i = 0; blasting && i < 2_000; i++) {
        await peer.send(HELLO).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });
    await blasters[0]?.waitFor(WELCOME);
    const stopped = await server.stop("SIGTERM");
    blasting = false;
    await Promise.all(blasts);
    expect(stopped.code).toBe(0);
    expect(stopped.signal).toBe(null);
    expect(server.output).toContain("Server stopped.");
    expect(server.output).not.toMatch(/Error| {4}at /);
  });
});

// unix-dgram peers that bind a path, send the hello, and are gone (socket closed, file removed)
// before the welcome: the server's sendto() fails at once (ENOENT or ECONNREFUSED, unix(7)).
const VANISHING_UNIX_PEERS = `
import os, socket, sys
for i in range(int(sys.argv[3])):
    own = os.path.join(sys.argv[2], f"peer-{i}.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(own)
    s.sendto(b"HELLO socket-playground", sys.argv[1])
    s.close()
    os.unlink(own)
print("gone", flush=True)
`;

describe("unix-dgram: replies to vanished peers", () => {
  it("fail at sendto(), are recorded, and never stop the server from serving", async () => {
    requireTool(PYTHON);
    const dir = tempDir();
    const path = join(dir, "s.sock");
    const server = track(
      new ServerProcess(["--transport", "unix-dgram", "--path", path, "--json", "--idle-timeout", "0.3"]),
    );
    await server.waitFor(/"call":"bind"[^\n]*?"local":"\//);
    const peer = new Peer(PYTHON, ["-c", VANISHING_UNIX_PEERS, path, dir, "20"]);
    expect((await peer.exit()).code).toBe(0);
    await server.waitFor(/"call":"sendto"[^\n]*"errno":"(ENOENT|ECONNREFUSED)"/);
    const healthy = await playground(["client", "--transport", "unix-dgram", "--path", path]);
    expect(healthy.stdout).toContain(ACK);
    expect(healthy.code).toBe(0);
    expect(server.child.exitCode).toBe(null);
  });
});

// --max-message-bytes holds for datagrams as for streams, and a datagram the transport could not read
// whole is not acked as if it were: both get the error line a stream's too-long message gets.
const DATAGRAM_MESSAGE = `
import os, socket, sys
family, server, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
if family == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(os.path.join(sys.argv[4], "client.sock"))
    to = server
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    host, port = server.rsplit(":", 1)
    to = (host, int(port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
s.settimeout(5)
s.sendto(b"HELLO socket-playground", to)
print(s.recv(200).decode(), flush=True)
s.sendto(b"m" * size, to)
print(s.recv(200).decode(), flush=True)
`;

describe("datagram messages too long", () => {
  it("udp4 --max-message-bytes 100: a 1,000-byte message gets the error line, not the ack", async () => {
    requireTool(PYTHON);
    const server = track(
      new ServerProcess(["--transport", "udp4", "--port", "0", "--max-message-bytes", "100"]),
    );
    const address = await server.address();
    const run = await runProgram(PYTHON, ["-c", DATAGRAM_MESSAGE, "inet", address, "1000"]);
    expect(run.stdout).toBe(`${WELCOME}\nerror: message longer than 100 bytes\n\n`);
  });

  it("unix-dgram: a datagram longer than the server reads of one is cut by the kernel (MSG_TRUNC), never acked as whole", async () => {
    requireTool(PYTHON);
    const dir = tempDir();
    const path = join(dir, "s.sock");
    const server = track(
      new ServerProcess(["--transport", "unix-dgram", "--path", path, "--max-message-bytes", "400000"]),
    );
    await server.address();
    // 65,537 bytes is no longer special (node-unix-socket cut there, silently): it is acked whole.
    const whole = await runProgram(PYTHON, ["-c", DATAGRAM_MESSAGE, "unix", path, "65537", dir]);
    expect(whole.stdout).toBe(`${WELCOME}\n${ACK}\n`);
    const size = String(UNIX_DGRAM_READ_SIZE + 1);
    const cut = await runProgram(PYTHON, ["-c", DATAGRAM_MESSAGE, "unix", path, size, tempDir()]);
    expect(cut.stdout).toBe(
      `${WELCOME}\nerror: message cut: longer than the ${UNIX_DGRAM_READ_SIZE} bytes this server reads of one\n\n`,
    );
  });
});
