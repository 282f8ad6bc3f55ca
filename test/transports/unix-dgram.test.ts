// unix-dgram on real sockets: boundaries, replies to the sender's path, errnos, and file cleanup.
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { OpError } from "../../src/errors.js";
import { noTrace } from "../../src/trace/events.js";
import type { DatagramSocket } from "../../src/transports/transport.js";
import { openDgram, UNIX_DGRAM_READ_SIZE } from "../../src/transports/unix-addon/index.js";
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

/** This process's open descriptors. */
function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

describe("unix-dgram", () => {
  it("never keeps fds a sender passes (SCM_RIGHTS): 5 datagrams of 100 fds each leave none open", async () => {
    const server = await bind(join(tempDir(), "s.sock"));
    const got = record(server);
    const before = openFds();
    await python(
      `import array, os, socket, sys
fd = os.open("/dev/null", os.O_RDONLY)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for _ in range(5):
    s.sendmsg([b"fds"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd] * 100))], 0, sys.argv[1])
s.sendto(b"done", sys.argv[1])`,
      server.local,
    );
    await expect.poll(() => got.length).toBe(6);
    expect(got.map(([text]) => text)).toEqual(["fds", "fds", "fds", "fds", "fds", "done"]);
    // Before, each datagram left its 100 fds open here: 500 more.
    expect(openFds() - before).toBeLessThan(20);
  });

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

  it("carries a datagram as long as the sender's SO_SNDBUF allows whole; the kernel refuses a longer one", async () => {
    const server = await bind(join(tempDir(), "s.sock"));
    const got: [number, boolean | undefined][] = [];
    server.setHandlers({ message: (data, _from, cut) => got.push([data.length, cut]), error: () => {} });
    const client = await open(server.local);
    const limit = Number(readFileSync("/proc/sys/net/core/wmem_default", "utf8")) - 32; // unix(7)
    await client.send(Buffer.alloc(65_536, 1), server.local);
    await client.send(Buffer.alloc(limit, 1), server.local);
    await expect
      .poll(() => got)
      .toEqual([
        [65_536, false],
        [limit, false],
      ]);
    await expect(client.send(Buffer.alloc(limit + 1), server.local)).rejects.toMatchObject({
      code: "EMSGSIZE",
    });
  });

  it("says a datagram longer than it reads was cut: the kernel's MSG_TRUNC", async () => {
    const server = await bind(join(tempDir(), "s.sock"));
    const got: [number, boolean | undefined][] = [];
    server.setHandlers({ message: (data, _from, cut) => got.push([data.length, cut]), error: () => {} });
    // A sender with a raised SO_SNDBUF may send more than UNIX_DGRAM_READ_SIZE in one datagram.
    await python(PY_BIG_SENDER, server.local, String(UNIX_DGRAM_READ_SIZE + 1));
    await expect.poll(() => got).toEqual([[UNIX_DGRAM_READ_SIZE, true]]);
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
    // node-unix-socket stopped a socket's reading for good once a send met EAGAIN, and spun the CPU;
    // its cure re-created the socket, losing what reached the old one. unix-addon/dgram.ts waits.
    it("delivers every one of 10,000 datagrams, in order, to a receiver that reads slowly", async () => {
      const server = await bind(join(tempDir(), "s.sock"));
      const got: number[] = [];
      let paused = false;
      server.setHandlers({
        message: (data) => {
          got.push(data.readUInt32BE(0));
          // Every 1,000th datagram, the receiver stops for 50 ms: the sender meets EAGAIN and waits.
          if (got.length % 1000 === 0 && !paused) {
            paused = true;
            const until = Date.now() + 50;
            while (Date.now() < until) {} // busy: the event loop, and so the reading, stops
            paused = false;
          }
        },
        error: () => {},
      });
      const client = await open(server.local);
      const sends = Array.from({ length: 10_000 }, (_, i) => {
        const data = Buffer.alloc(4);
        data.writeUInt32BE(i);
        return client.send(data, server.local);
      });
      await Promise.all(sends);
      await expect.poll(() => got.length, { timeout: 20_000 }).toBe(10_000);
      expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    });

    it("waits, without spinning, for a python3 receiver that reads only later, and loses nothing", async () => {
      const dir = tempDir();
      const late = join(dir, "late.sock");
      const peer = spawn("python3", ["-c", PY_LATE_READER, late, "50"], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      const output = new Promise<string>((done) => {
        let text = "";
        peer.stdout?.on("data", (d) => {
          text += d;
        });
        peer.once("exit", () => done(text));
      });
      await new Promise((ready) => peer.stdout?.once("data", ready));
      const client = await open(late);
      const start = process.cpuUsage();
      const sends = Array.from({ length: 50 }, (_, i) => client.send(Buffer.from(`d${i}`), late));
      await Promise.all(sends); // the queue holds 11: the rest waited for the reader's turn
      const used = process.cpuUsage(start);
      expect((used.user + used.system) / 1000).toBeLessThan(150); // a spinning wait uses ~300 ms
      const lines = (await output).trim().split("\n");
      expect(lines.slice(1)).toEqual(Array.from({ length: 50 }, (_, i) => `d${i}`));
    });

    it("when its own send buffer is full, waits on its own poll, never on the retry timer", async () => {
      // 64 KiB datagrams fill our SO_SNDBUF (212,992 bytes) three at a time, long before a reader's
      // queue (max_dgram_qlen) is full: EAGAIN is about our own buffer. The receiver's waker says
      // writable at once, and used to be tried for nothing, leaving the timer (then 250 ms away).
      const dir = tempDir();
      const path = join(dir, "reader.sock");
      const count = 30;
      const reader = spawn("python3", ["-c", PY_STEADY_READER, path, String(count)], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      const output = new Promise<string>((done) => {
        let text = "";
        reader.stdout?.on("data", (d) => {
          text += d;
        });
        reader.once("exit", () => done(text));
      });
      await new Promise((ready) => reader.stdout?.once("data", ready));
      const client = openDgram(undefined, { transport: "unix-dgram", address: path });
      sockets.push(client);
      await Promise.all(Array.from({ length: count }, () => client.send(Buffer.alloc(65_536), path)));
      expect((await output).trim().split("\n")).toEqual(["ready", `read ${count}`]);
      expect((client as unknown as { timerTries: number }).timerTries).toBe(0);
    });

    it("close() with datagrams waiting for room rejects them (EBADF), and nothing else happens", async () => {
      const dir = tempDir();
      const mute = join(dir, "mute.sock");
      const peer = spawn("python3", ["-c", PY_MUTE, mute], { stdio: ["pipe", "pipe", "inherit"] });
      const exited = new Promise((done) => peer.once("exit", done));
      try {
        await new Promise((ready) => peer.stdout?.once("data", ready));
        const fds = () => readdirSync("/proc/self/fd").length;
        const before = fds();
        const client = await open(mute);
        const sends = Array.from({ length: 20 }, (_, i) =>
          client.send(Buffer.from(`q${i}`), mute).then(
            () => "sent",
            (err: OpError) => err.code,
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 50)); // the queue is full: the rest wait
        await client.close();
        const outcomes = await Promise.all(sends);
        expect(outcomes.filter((o) => o === "sent").length).toBeGreaterThan(0);
        expect(outcomes.slice(outcomes.indexOf("EBADF"))).toEqual(
          Array(20 - outcomes.indexOf("EBADF")).fill("EBADF"),
        );
        expect(fds()).toBe(before); // the socket, and the waker that waited with it, are closed
      } finally {
        peer.stdin?.end();
        await exited;
      }
    });

    it("uses no CPU while idle, watched for reading", async () => {
      const server = await bind(join(tempDir(), "s.sock"));
      record(server);
      const client = await open(server.local);
      record(client);
      expect(await cpuMsOver(1000)).toBeLessThan(100); // a spinning poll would use ~1000
    });

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

  it("meets a python3 peer on an @name of exact length: python sends, the server answers its @name", async () => {
    const at = `@playground-test-dg-${process.pid}`;
    const server = await bind(at);
    expect(server.local).toBe(at);
    const got = record(server, true);
    const pythonName = `@playground-test-dg-py-${process.pid}`;
    const out = await python(PY_SENDER_ABSTRACT, at, pythonName);
    expect(JSON.parse(out)).toEqual({ reply: "ack:from python", from: `\0${at.slice(1)}` });
    expect(got).toEqual([["from python", pythonName]]);
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

/** Binds argv[1] and reads argv[2] datagrams, steadily but a little slower than we send (2 ms each). */
const PY_STEADY_READER = `
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
for _ in range(int(sys.argv[2])):
    time.sleep(0.002)
    s.recv(70000)
print("read", sys.argv[2], flush=True)
`;

const PY_LATE_READER = `
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
time.sleep(0.3)  # not reading: the sender's datagrams past the queue's 11 must wait
for _ in range(int(sys.argv[2])):
    print(s.recv(100).decode(), flush=True)
`;

const PY_BIG_SENDER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * int(sys.argv[2]))
s.sendto(b"x" * int(sys.argv[2]), sys.argv[1])
`;

const PY_SENDER_ABSTRACT = `
import json, socket, sys
server, own = ("\\0" + name[1:] for name in sys.argv[1:3])  # "@name" -> "\\0name", exact length
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.settimeout(5)
s.bind(own)
s.sendto(b"from python", server)
reply, sender = s.recvfrom(1024)
print(json.dumps({"reply": reply.decode(), "from": sender.decode()}))
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
