// unix-seqpacket on real sockets: records, errnos, file cleanup, exact-length @names, and what must never
// reach the process (the sharp edges node-unix-socket had, issue 18).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { OpError } from "../../src/errors.js";
import { noTrace } from "../../src/trace/events.js";
import type { Connection, Listener } from "../../src/transports/transport.js";
import { unixSeqpacket } from "../../src/transports/unix-seqpacket.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const run = promisify(execFile);
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await new Promise((done) => setImmediate(done)); // let deferred destroys run before the dir goes
  removeTempDirs();
});

async function listen(address: string, onConnection: (c: Connection) => void = echo): Promise<Listener> {
  const listener = await unixSeqpacket.listen(address, onConnection, noTrace);
  cleanups.push(() => listener.close());
  return listener;
}

async function dial(address: string): Promise<Connection> {
  const connection = await unixSeqpacket.dial(address, noTrace);
  cleanups.push(() => connection.destroy());
  return connection;
}

/** Server side: answer each record with "ack:" + record, and end when the peer ends. */
function echo(connection: Connection): void {
  record(connection, true);
}

/** What a connection saw, and a promise of its close; with `answer`, it also behaves as echo(). */
function record(connection: Connection, answer = false) {
  const seen = { data: [] as string[], ends: 0, closes: [] as (OpError | undefined)[] };
  const closed = new Promise<OpError | undefined>((resolve) => {
    connection.setHandlers({
      data: (chunk) => {
        seen.data.push(chunk.toString());
        if (answer) connection.write(Buffer.concat([Buffer.from("ack:"), chunk])).catch(() => {});
      },
      end: () => {
        seen.ends++;
        if (answer) connection.end();
      },
      close: (err) => {
        seen.closes.push(err);
        resolve(err);
      },
    });
  });
  return { seen, closed };
}

async function python(script: string, ...args: string[]): Promise<string> {
  return (await run("python3", ["-c", script, ...args], { timeout: 10_000 })).stdout;
}

describe("unix-seqpacket", () => {
  it("never keeps fds a peer passes (SCM_RIGHTS): 5 records of 100 fds each leave none open", async () => {
    const accepted: ReturnType<typeof record>[] = [];
    const listener = await listen(join(tempDir(), "s.sock"), (c) => accepted.push(record(c)));
    const before = readdirSync("/proc/self/fd").length;
    await python(
      `import array, os, socket, sys
fd = os.open("/dev/null", os.O_RDONLY)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
for _ in range(5):
    s.sendmsg([b"fds"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd] * 100))])
s.send(b"done")`,
      listener.address,
    );
    await expect.poll(() => accepted[0]?.seen.data.length).toBe(6);
    expect(accepted[0]?.seen.data).toEqual(["fds", "fds", "fds", "fds", "fds", "done"]);
    // Before, each record left its 100 fds open here: 500 more.
    expect(readdirSync("/proc/self/fd").length - before).toBeLessThan(20);
  });

  it("reads an empty record and the records after it before the peer's end, however early the end came", async () => {
    const accepted: ReturnType<typeof record>[] = [];
    const listener = await listen(join(tempDir(), "s.sock"), (c) => accepted.push(record(c)));
    const client = await dial(listener.address);
    record(client);
    // All three reach the server's queue before it reads: its first 0-byte read already sees the
    // peer shut down (POLLRDHUP), and must still be the empty record.
    await Promise.all([client.write(Buffer.alloc(0)), client.write(Buffer.from("abc"))]);
    client.end();
    await expect.poll(() => accepted[0]?.seen.ends).toBe(1);
    expect(accepted[0]?.seen.data).toEqual(["", "abc"]);
  });

  it("the same with a python3 peer making the plain calls; the SO_PASSCRED our reads lend themselves never names us", async () => {
    const accepted: ReturnType<typeof record>[] = [];
    const listener = await listen(join(tempDir(), "s.sock"), (c) => accepted.push(record(c)));
    await python(
      `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(b"")
s.send(b"abc")
s.shutdown(socket.SHUT_WR)`,
      listener.address,
    );
    await expect.poll(() => accepted[0]?.seen.ends).toBe(1);
    expect(accepted[0]?.seen.data).toEqual(["", "abc"]);
    // Our client is not autobound to an abstract name (as a socket with SO_PASSCRED left on would be
    // at its first send): python sees no name.
    const server = spawn("python3", ["-c", PY_PEERNAME], { stdio: ["pipe", "pipe", "inherit"] });
    cleanups.push(() => server.kill());
    const path = join(tempDir(), "py.sock");
    const ready = new Promise((resolve) => server.stdout.once("data", resolve));
    server.stdin.write(`${path}\n`);
    await ready;
    const client = await dial(path);
    await client.write(Buffer.from("x"));
    const seen = record(client);
    await expect.poll(() => seen.seen.data).toEqual(["peername:''"]);
  });

  it("keeps every write a record of its own, both ways", async () => {
    const accepted: (ReturnType<typeof record> & { addresses: string[] })[] = [];
    const listener = await listen(join(tempDir(), "s.sock"), (c) => {
      accepted.push({ ...record(c, true), addresses: [c.local, c.remote] });
    });
    const client = await dial(listener.address);
    expect([client.local, client.remote]).toEqual(["", listener.address]);
    const { seen, closed } = record(client);
    const words = ["hello", "w", "o", "r", "l", "d"];
    await Promise.all(words.map((w) => client.write(Buffer.from(w))));
    await expect.poll(() => seen.data.length).toBe(words.length);
    expect(seen.data).toEqual(words.map((w) => `ack:${w}`));
    client.end();
    expect(await closed).toBeUndefined();
    expect(seen).toMatchObject({ ends: 1, closes: [undefined] });
    expect(accepted[0]?.addresses).toEqual([listener.address, ""]); // a connecting unix client is unnamed
    expect(await accepted[0]?.closed).toBeUndefined();
    expect(accepted[0]?.seen).toEqual({ data: words, ends: 1, closes: [undefined] });
  });

  it("removes its socket file on close, so the path can be bound again", async () => {
    const path = join(tempDir(), "s.sock");
    const first = await unixSeqpacket.listen(path, echo, noTrace);
    expect(existsSync(path)).toBe(true);
    await first.close();
    expect(existsSync(path)).toBe(false);
    await listen(path);
  });

  // The errnos every unix transport shares (ENOENT, ECONNREFUSED, EPROTOTYPE, EADDRINUSE,
  // ENAMETOOLONG) are in contract.test.ts; these are seqpacket's own.
  describe("says what the kernel said", () => {
    const refused = (address: string, code: string) =>
      expect(unixSeqpacket.dial(address, noTrace)).rejects.toSatisfy(
        (err) =>
          err instanceof OpError && err.op === "connect" && err.code === code && err.address === address,
      );

    it("EAGAIN when the listener's accept queue is full", async () => {
      const path = join(tempDir(), "stalled.sock");
      // A listener with backlog 0 that never accepts: the kernel queues one connection, then says EAGAIN.
      const stalled = spawn("python3", ["-c", PY_STALLED, path], { stdio: ["pipe", "pipe", "inherit"] });
      cleanups.push(() => stopPython(stalled));
      await new Promise((ready) => stalled.stdout?.once("data", ready));
      const outcomes: string[] = [];
      for (let i = 0; i < 4 && !outcomes.includes("EAGAIN"); i++) {
        outcomes.push(
          await dial(path).then(
            () => "connected",
            (err: OpError) => err.code,
          ),
        );
      }
      expect(outcomes).toContain("EAGAIN");
    });

    it.skipIf(process.getuid?.() === 0)("EACCES without write permission on the socket file", async () => {
      const listener = await listen(join(tempDir(), "s.sock"));
      chmodSync(listener.address, 0o555);
      await refused(listener.address, "EACCES");
    });
  });

  it("meets a python3 peer on an @name of exact length, both ways", async () => {
    const ours = `@playground-test-sp-${process.pid}`;
    const listener = await listen(ours);
    expect(listener.address).toBe(ours);
    const out = await python(PY_CLIENT, ours);
    expect(JSON.parse(out)).toEqual(["ack:hello", "ack:world", ""]);
    // And python's listener, which binds the exact length too.
    const theirs = `@playground-test-sp-py-${process.pid}`;
    const server = spawn("python3", ["-c", PY_ABSTRACT_SERVER, theirs], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    cleanups.push(() => stopPython(server));
    await new Promise((ready) => server.stdout?.once("data", ready));
    const client = await dial(theirs);
    const { seen } = record(client);
    await client.write(Buffer.from("hi"));
    await expect.poll(() => seen.data).toEqual(["python:hi"]);
  });

  describe("nothing a peer does crashes the process", () => {
    it("survives peers that connect and go at once", async () => {
      const accepted: Promise<OpError | undefined>[] = [];
      const listener = await listen(join(tempDir(), "s.sock"), (c) => {
        accepted.push(record(c, true).closed);
      });
      for (let i = 0; i < 20; i++) (await unixSeqpacket.dial(listener.address, noTrace)).destroy();
      await expect.poll(() => accepted.length).toBe(20);
      await Promise.all(accepted);
      const client = await dial(listener.address);
      const { seen } = record(client);
      await client.write(Buffer.from("still here"));
      await expect.poll(() => seen.data).toEqual(["ack:still here"]);
    });

    it("delivers a zero-length record as a record, not as end of data (the kernel tells them apart)", async () => {
      const server = { seen: undefined as ReturnType<typeof record>["seen"] | undefined };
      const listener = await listen(join(tempDir(), "s.sock"), (c) => {
        server.seen = record(c, true).seen;
      });
      const client = await dial(listener.address);
      const { seen, closed } = record(client);
      await client.write(Buffer.alloc(0));
      await client.write(Buffer.from("next"));
      await expect.poll(() => server.seen?.data).toEqual(["", "next"]);
      expect(server.seen?.ends).toBe(0);
      client.end();
      expect(await closed).toBeUndefined();
      expect(seen.data).toEqual(["ack:", "ack:next"]);
      expect(server.seen?.ends).toBe(1);
    });

    it("survives destroy() inside data handlers, on both sides", async () => {
      const listener = await listen(join(tempDir(), "s.sock"), (c) => {
        c.setHandlers({
          data: () => {
            void c.write(Buffer.from("reply")).catch(() => {});
            c.destroy(); // node-unix-socket aborted the process here (a Rust panic)
          },
          end: () => {},
          close: () => {},
        });
      });
      const client = await dial(listener.address);
      const closes: (OpError | undefined)[] = [];
      const closed = new Promise((done) =>
        client.setHandlers({
          data: () => client.destroy(),
          end: () => client.destroy(), // in case the server's destroy overtook its reply
          close: (err) => done(closes.push(err)),
        }),
      );
      await client.write(Buffer.from("hello"));
      await closed;
      expect(closes).toEqual([undefined]);
      await expect(client.write(Buffer.from("after"))).rejects.toMatchObject({ code: "EBADF" });
    });

    it("survives destroy() right after the last reply, in a process of its own", async () => {
      const dir = tempDir();
      const script = join(dir, "destroy-after-reply.mts");
      writeFileSync(script, childScript(join(dir, "s.sock")));
      const { stdout } = await run(process.execPath, ["--import", "tsx", script], { timeout: 20_000 });
      expect(stdout.trim()).toBe("replies=20 survived");
      expect(readdirSync(dir)).toEqual(["destroy-after-reply.mts"]);
    });

    it("destroy() with writes waiting for room rejects them, and the process goes on", async () => {
      // A peer that never reads (held here: a socket nobody holds is closed by the GC's finalizer):
      // its queue fills, and our writes wait for writable.
      const held: Connection[] = [];
      const listener = await listen(join(tempDir(), "s.sock"), (c) => held.push(c));
      const client = await dial(listener.address);
      const { closed } = record(client);
      const writes = Array.from({ length: 200 }, () =>
        client.write(Buffer.alloc(4096)).then(
          () => "sent",
          (err: OpError) => err.code,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      client.destroy();
      const outcomes = await Promise.all(writes);
      expect(outcomes).toContain("sent");
      expect(outcomes.at(-1)).toBe("EBADF");
      expect(await closed).toBeUndefined();
      for (const c of held) c.destroy();
    });

    it("closes with EMSGSIZE when a record is too big for the socket buffer", async () => {
      const listener = await listen(join(tempDir(), "s.sock"));
      const client = await dial(listener.address);
      const { closed } = record(client);
      await expect(client.write(Buffer.alloc(300_000))).rejects.toMatchObject({
        op: "send",
        code: "EMSGSIZE",
      });
      expect(await closed).toMatchObject({ code: "EMSGSIZE" });
    });
  });

  it("talks to a Python client over a path", async () => {
    const listener = await listen(join(tempDir(), "s.sock"));
    const out = await python(PY_CLIENT, listener.address);
    expect(JSON.parse(out)).toEqual(["ack:hello", "ack:world", ""]);
  });
});

const PY_CLIENT = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect("\\0" + sys.argv[1][1:] if sys.argv[1].startswith("@") else sys.argv[1])
got = []
for word in (b"hello", b"world"):
    s.send(word)
    got.append(s.recv(1024).decode())
s.shutdown(socket.SHUT_WR)
got.append(s.recv(1024).decode())  # b"": our end() after the peer's
print(json.dumps(got))
`;

const PY_ABSTRACT_SERVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("\\0" + sys.argv[1][1:])  # "@name" -> "\\0name", exact length
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
c.send(b"python:" + c.recv(100))
sys.stdin.read()
`;

/** Reads a path on stdin, listens there, and answers the first record with repr(getpeername()). */
const PY_PEERNAME = `
import socket, sys
path = sys.stdin.readline().strip()
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
c.recv(100)
c.send(("peername:" + repr(c.getpeername())).encode())
sys.stdin.read()
`;

const PY_STALLED = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1])
s.listen(0)
print("ready", flush=True)
sys.stdin.read()
`;

async function stopPython(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.stdin?.end();
  await exited;
}

/** A client that destroys each connection in its data handler, as soon as the reply is in. */
function childScript(path: string): string {
  const module = new URL("../../src/transports/unix-seqpacket.ts", import.meta.url).href;
  const events = new URL("../../src/trace/events.ts", import.meta.url).href;
  return `
import { unixSeqpacket } from ${JSON.stringify(module)};
import { noTrace } from ${JSON.stringify(events)};
const listener = await unixSeqpacket.listen(${JSON.stringify(path)}, (c) => {
  c.setHandlers({ data: (m) => { c.write(Buffer.from("re:" + m)).catch(() => {}); c.end(); }, end: () => {}, close: () => {} });
}, noTrace);
let replies = 0;
for (let i = 0; i < 20; i++) {
  const c = await unixSeqpacket.dial(listener.address, noTrace);
  await new Promise((done) => {
    c.setHandlers({ data: () => { replies++; c.destroy(); }, end: () => {}, close: done });
    c.write(Buffer.from("m" + i));
  });
}
await listener.close();
console.log("replies=" + replies + " survived");
`;
}
