// unix-dgram on real sockets: boundaries, replies to the sender's path, errnos, and file cleanup.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { OpError } from "../../src/errors.js";
import { noTrace } from "../../src/trace/events.js";
import type { DatagramSocket } from "../../src/transports/transport.js";
import { unixDgram } from "../../src/transports/unix-dgram.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const run = promisify(execFile);
const sockets: DatagramSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) await socket.close();
  removeTempDirs();
});

async function bind(address: string): Promise<DatagramSocket> {
  const socket = await unixDgram.bind(address, noTrace);
  sockets.push(socket);
  return socket;
}

async function open(server: string): Promise<DatagramSocket> {
  const socket = await unixDgram.open(server, noTrace);
  sockets.push(socket);
  return socket;
}

/** Messages a socket receives, as [text, from]; with `answer`, it also replies "ack:" + text to the sender. */
function record(socket: DatagramSocket, answer = false): [string, string][] {
  const got: [string, string][] = [];
  socket.setHandlers({
    message: (data, from) => {
      got.push([data.toString(), from]);
      if (answer) socket.send(Buffer.concat([Buffer.from("ack:"), data]), from).catch(() => {});
    },
    error: () => {},
  });
  return got;
}

/** CPU this process spends over `ms` of wall time: a socket stuck polling for POLLOUT spins at ~100%. */
async function cpuMsOver(ms: number): Promise<number> {
  const start = process.cpuUsage();
  await new Promise((done) => setTimeout(done, ms));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function python(script: string, ...args: string[]): Promise<string> {
  return (await run("python3", ["-c", script, ...args], { timeout: 10_000 })).stdout;
}

describe("unix-dgram", () => {
  it("keeps boundaries, and the server answers the client's own path", async () => {
    const path = join(tempDir(), "s.sock");
    const server = await bind(path);
    expect(server.local).toBe(path);
    const serverGot = record(server, true);
    const client = await open(server.local);
    const clientGot = record(client);
    const words = ["hello", "w", "o", "r", "l", "d", ""]; // "" too: a datagram may be empty
    for (const word of words) await client.send(Buffer.from(word), server.local);
    await expect.poll(() => clientGot.length).toBe(words.length);
    expect(serverGot).toEqual(words.map((w) => [w, client.local]));
    expect(clientGot).toEqual(words.map((w) => [`ack:${w}`, server.local]));
  });

  it("carries 65,534 bytes whole, and refuses 65,535 or more: the library's buffer could not tell them from cut", async () => {
    const server = await bind(join(tempDir(), "s.sock"));
    const got = record(server);
    const client = await open(server.local);
    await client.send(Buffer.alloc(65_534, 1), server.local);
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]?.[0].length).toBe(65_534);
    await expect(client.send(Buffer.alloc(65_535), server.local)).rejects.toMatchObject({ code: "EMSGSIZE" });
  });

  it("removes the files it made on close: the server's socket, the client's temp dir", async () => {
    const path = join(tempDir(), "s.sock");
    const server = await unixDgram.bind(path, noTrace);
    const client = await unixDgram.open(path, noTrace);
    expect(existsSync(path)).toBe(true);
    expect(existsSync(client.local)).toBe(true);
    await client.close();
    await server.close();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(dirname(client.local))).toBe(false);
    await expect(client.send(Buffer.from("late"), path)).rejects.toMatchObject({ code: "EBADF" });
  });

  describe("a full receiver queue (EAGAIN) leaves no socket deaf", () => {
    // node-unix-socket queues a send that meets EAGAIN in a way that stops the sender's socket from
    // ever receiving again, spinning the CPU; unix-addon/dgram.ts replaces such a socket.
    it("answers every one of 50 clients that send at once", async () => {
      const server = await bind(join(tempDir(), "s.sock"));
      record(server, true);
      const replies = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const client = await open(server.local);
          const got = record(client);
          await client.send(Buffer.from(`m${i}`), server.local);
          await expect.poll(() => got.length).toBe(1);
          return got[0]?.[0];
        }),
      );
      expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => `ack:m${i}`));
      expect(await cpuMsOver(300)).toBeLessThan(150);
    });

    it("fails sends to a peer that never reads with EAGAIN, and keeps receiving", async () => {
      const dir = tempDir();
      const server = await bind(join(dir, "s.sock"));
      const got = record(server);
      const mute = join(dir, "mute.sock");
      const peer = spawn("python3", ["-c", PY_MUTE, mute], { stdio: ["pipe", "pipe", "inherit"] });
      const exited = new Promise((done) => peer.once("exit", done));
      try {
        await new Promise((ready) => peer.stdout?.once("data", ready));
        const sends = Array.from({ length: 15 }, (_, i) => server.send(Buffer.from(`x${i}`), mute));
        const outcomes = await Promise.all(
          sends.map((p) =>
            p.then(
              () => "sent",
              (err: OpError) => err.code,
            ),
          ),
        );
        expect(outcomes.filter((o) => o === "sent").length).toBeGreaterThan(0);
        expect(outcomes).toContain("EAGAIN");
        const client = await open(server.local);
        await client.send(Buffer.from("still listening?"), server.local);
        await expect.poll(() => got).toEqual([["still listening?", client.local]]);
        expect(await cpuMsOver(300)).toBeLessThan(150);
      } finally {
        peer.stdin?.end();
        await exited;
      }
    });
  });

  // The errnos every unix transport shares (ENOENT, ECONNREFUSED, EPROTOTYPE, EADDRINUSE,
  // ENAMETOOLONG) are in contract.test.ts.

  it("refuses @abstract names, which node-unix-socket would turn into 108 NULs", async () => {
    await expect(unixDgram.bind("@playground-test", noTrace)).rejects.toMatchObject({
      op: "bind",
      code: "EINVAL",
    });
    await expect(unixDgram.open("@playground-test", noTrace)).rejects.toMatchObject({ code: "EINVAL" });
    const server = await bind(join(tempDir(), "s.sock"));
    await expect(server.send(Buffer.from("x"), "@playground-test")).rejects.toMatchObject({
      op: "send",
      code: "EINVAL",
    });
  });

  it("answers a Python sender bound to its own path, and sees an unbound one as ''", async () => {
    const dir = tempDir();
    const server = await bind(join(dir, "s.sock"));
    const got = record(server, true);
    const pythonPath = join(dir, "py.sock");
    const out = await python(PY_SENDER, server.local, pythonPath);
    expect(JSON.parse(out)).toEqual({ reply: "ack:from python", from: server.local });
    await expect
      .poll(() => got)
      .toEqual([
        ["from python", pythonPath],
        ["anonymous", ""],
      ]);
  });
});

const PY_MUTE = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()  # never recv(): its queue fills after net.unix.max_dgram_qlen datagrams
`;

const PY_SENDER = `
import json, os, socket, sys
server, own = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.settimeout(5)
s.bind(own)
s.sendto(b"from python", server)
reply, sender = s.recvfrom(1024)
s.close()
os.unlink(own)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"anonymous", server)  # never bound: no reply possible
print(json.dumps({"reply": reply.decode(), "from": sender}))
`;
