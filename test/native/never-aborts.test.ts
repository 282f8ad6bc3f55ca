// The addon never takes the process down: close() from inside its own callbacks, twice, with a send
// waiting, or while the peer vanishes mid-send; a worker_thread that ends with sockets open; an
// exception thrown in a callback goes where Node sends any uncaught exception; a socket nobody closed
// is closed by the GC. Each risky case runs in a
// child Node, so an abort would be seen as the child's SIGABRT instead of killing the test runner.
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { ADDON_FILE } from "../../src/transports/unix-addon/native.js";
import { abstractName, C, closeAll, connectedPair, name, Socket, socket, thrown } from "../helpers/native.js";

afterEach(closeAll);

/** `body` in a child Node with the addon as `addon`, `C` its constants; its exit and output. */
function child(body: string, nodeArgs: string[] = []) {
  const script = `const addon = require(${JSON.stringify(ADDON_FILE)}); const C = addon.constants;\n${body}`;
  const run = spawnSync(process.execPath, [...nodeArgs, "-e", script], { encoding: "utf8", timeout: 20_000 });
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

/** `script` in a child Node that does not load the addon itself; its exit and output. */
function alone(script: string) {
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20_000 });
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

describe("close() from inside the socket's own callback", () => {
  it("inside the readable callback: the poll stops, no callback after, the process goes on", () => {
    const run = child(`
      const a = new addon.UnixSocket(C.SOCK_DGRAM), b = new addon.UnixSocket(C.SOCK_DGRAM);
      const at = Buffer.from("\\0${abstractName("cb").slice(1)}");
      a.bind(at);
      let calls = 0;
      a.watch(true, false, () => { calls++; a.close(); a.close(); });
      for (let i = 0; i < 3; i++) b.send(Buffer.from("x"), at); // still readable after close, were it polled
      setTimeout(() => { console.log("calls", calls, "fd", a.fd); b.close(); }, 200);`);
    expect(run).toMatchObject({ status: 0, signal: null, stdout: "calls 1 fd -1\n", stderr: "" });
  });

  it("inside the writable callback, with a datagram that could not be sent", () => {
    const run = child(`
      const at = Buffer.from("\\0${abstractName("w").slice(1)}");
      const r = new addon.UnixSocket(C.SOCK_DGRAM); r.bind(at);
      const s = new addon.UnixSocket(C.SOCK_DGRAM);
      while (s.send(Buffer.from("x"), at) !== -1) {} // the receiver's queue is full
      let calls = 0;
      s.watch(false, true, () => { calls++; s.close(); });
      while (r.recv(1)) {} // make room: s becomes writable
      setTimeout(() => { console.log("calls", calls); r.close(); }, 200);`);
    expect(run).toMatchObject({ status: 0, signal: null, stdout: "calls 1\n", stderr: "" });
  });

  it("a seqpacket peer vanishing mid-send: EPIPE or ECONNRESET as errors, then close inside the callback", () => {
    const run = child(`
      const at = Buffer.from("\\0${abstractName("v").slice(1)}");
      const l = new addon.UnixSocket(C.SOCK_SEQPACKET); l.bind(at); l.listen(4);
      const c = new addon.UnixSocket(C.SOCK_SEQPACKET); c.connect(at);
      const peer = l.accept(); l.close();
      while (c.send(Buffer.alloc(1000)) !== -1) {} // the peer's queue is full
      const seen = [];
      c.watch(true, true, (status, readable, writable) => {
        seen.push(status === 0 ? "ok" : "status " + status);
        try { c.send(Buffer.alloc(1000)); } catch (e) { seen.push(e.code); }
        c.close();
      });
      peer.close(); // with everything unread
      setTimeout(() => console.log(JSON.stringify(seen)), 200);`);
    expect(run).toMatchObject({ status: 0, signal: null, stderr: "" });
    const seen = JSON.parse(run.stdout) as string[];
    // The kernel's reset as a status (SO_ERROR), or readable/writable and then the send's own EPIPE.
    expect(seen[0] === "status -104" || seen[1] === "EPIPE").toBe(true);
    expect(seen.length).toBeLessThanOrEqual(2);
  });
});

describe("misuse that throws instead of aborting", () => {
  it("double close, and calls after close, in this very process", () => {
    const [client] = connectedPair(C.SOCK_SEQPACKET);
    client.watch(true, true, () => {});
    client.close();
    client.close();
    expect(thrown(() => client.send(Buffer.from("x")))).toMatchObject({ code: "EBADF", syscall: "sendmsg" });
    client.unwatch(); // harmless
  });

  it("bad arguments are TypeErrors", () => {
    const s = socket(C.SOCK_DGRAM);
    expect(thrown(() => s.bind("a string" as unknown as Buffer))).toBeInstanceOf(TypeError);
    expect(thrown(() => s.send("x" as unknown as Buffer))).toBeInstanceOf(TypeError);
    expect(thrown(() => s.watch(true, false))).toBeInstanceOf(TypeError); // no callback yet
    const call = Socket as unknown as (type: number) => unknown;
    expect(thrown(() => call(C.SOCK_DGRAM))).toBeInstanceOf(TypeError); // without new
    expect(thrown(() => s.send(Buffer.from("x"), name("@x"), ["no" as unknown as number]))).toBeInstanceOf(
      TypeError,
    );
  });

  it("a number that is no int32 is a TypeError, never quietly fd 0 or a rounded size", () => {
    const [client] = connectedPair(C.SOCK_SEQPACKET);
    for (const bad of [Number.NaN, 1.5, 2 ** 40, Number.POSITIVE_INFINITY]) {
      expect(thrown(() => client.send(Buffer.from("x"), null, [bad]))).toBeInstanceOf(TypeError);
      expect(thrown(() => client.recv(bad))).toBeInstanceOf(TypeError);
    }
  });
});

describe("an exception thrown in a callback", () => {
  const throwing = `
      const a = new addon.UnixSocket(C.SOCK_DGRAM), b = new addon.UnixSocket(C.SOCK_DGRAM);
      const at = Buffer.from("\\0${abstractName("throw").slice(1)}");
      a.bind(at);
      a.watch(true, false, () => { a.recv(10); throw new Error("thrown in the callback"); });
      b.send(Buffer.from("x"), at);`;

  it("reaches process.on('uncaughtException'), and the socket keeps working", () => {
    const run = child(`
      let caught = 0;
      process.on("uncaughtException", (err) => { caught++; if (caught === 2) { console.log("caught", caught, err.message); process.exit(0); } b.send(Buffer.from("y"), at); });
      ${throwing}`);
    expect(run).toMatchObject({ status: 0, signal: null, stdout: "caught 2 thrown in the callback\n" });
  });

  it("with no handler, exits 1 with the error on stderr, as any uncaught exception: no SIGABRT", () => {
    const run = child(throwing);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Error: thrown in the callback");
  });
});

describe("a worker_thread that ends with sockets it never closed", () => {
  // Each worker watches one socket and leaves it open, and watched-then-unwatched another: their
  // uv_close callbacks must run before Node unloads the addon from the ending worker. The main thread
  // must not load the addon itself: it would keep the .so loaded after the worker is gone.
  const worker = (end: string) => `
    const { Worker } = require("node:worker_threads");
    const w = new Worker(\`
      const { parentPort } = require("node:worker_threads");
      const addon = require(${JSON.stringify(ADDON_FILE)}), C = addon.constants;
      const a = new addon.UnixSocket(C.SOCK_DGRAM); a.watch(true, false, () => {}); a.unwatch();
      const b = new addon.UnixSocket(C.SOCK_DGRAM); b.watch(true, false, () => {});
      parentPort.postMessage("watching");
      ${end === "exit" ? "setTimeout(() => process.exit(0), 10);" : ""}\`, { eval: true });
    w.on("message", () => { ${end === "terminate" ? "w.terminate();" : ""} });
    w.on("exit", () => setTimeout(() => console.log("main goes on"), 50));`;

  it("process.exit() in the worker: the process goes on and exits normally", () => {
    expect(alone(worker("exit"))).toMatchObject({
      status: 0,
      signal: null,
      stdout: "main goes on\n",
      stderr: "",
    });
  });

  it("worker.terminate() from the main thread: the process goes on and exits normally", () => {
    expect(alone(worker("terminate"))).toMatchObject({
      status: 0,
      signal: null,
      stdout: "main goes on\n",
      stderr: "",
    });
  });
});

describe("the garbage collector", () => {
  it("closes the fd of a socket nobody closed", () => {
    const run = child(
      `
      const { readlinkSync } = require("node:fs");
      let fd;
      (() => { const s = new addon.UnixSocket(C.SOCK_DGRAM); fd = s.fd; })();
      const before = readlinkSync("/proc/self/fd/" + fd);
      setTimeout(() => {
        global.gc();
        setTimeout(() => {
          let after = "closed";
          try { after = readlinkSync("/proc/self/fd/" + fd); } catch {}
          console.log(before.startsWith("socket:"), after);
        }, 50);
      }, 10);`,
      ["--expose-gc"],
    );
    expect(run).toMatchObject({ status: 0, stdout: "true closed\n", stderr: "" });
  });

  it("collects sockets whose callback captures the socket once unwatched: their fds close", () => {
    // Every wrapper's callback captures the socket (this.#socket): a callback held by the addon as a
    // root would keep each such socket, and its fd, forever.
    const run = child(
      `
      const { readdirSync } = require("node:fs");
      const open = () => readdirSync("/proc/self/fd").length;
      const before = open();
      for (let i = 0; i < 50; i++) {
        const s = new addon.UnixSocket(C.SOCK_DGRAM);
        s.watch(true, false, () => s.recv(10));
        s.unwatch();
      }
      const made = open() - before;
      setTimeout(() => {
        global.gc();
        setTimeout(() => { global.gc(); console.log(made, open() - before < 10); }, 20);
      }, 20);`,
      ["--expose-gc"],
    );
    expect(run).toMatchObject({ status: 0, stdout: "50 true\n", stderr: "" });
  });

  it("keeps a watched socket alive, and its callback working, with no JS reference left", () => {
    const run = child(
      `
      const at = Buffer.from("\\0${abstractName("gc").slice(1)}");
      (() => {
        const s = new addon.UnixSocket(C.SOCK_DGRAM);
        s.bind(at);
        s.watch(true, false, () => { console.log("heard", s.recv(10).data.toString()); s.close(); });
      })();
      global.gc();
      setTimeout(() => { global.gc(); const b = new addon.UnixSocket(C.SOCK_DGRAM); b.send(Buffer.from("late"), at); b.close(); }, 50);`,
      ["--expose-gc"],
    );
    expect(run).toMatchObject({ status: 0, stdout: "heard late\n", stderr: "" });
  });
});
