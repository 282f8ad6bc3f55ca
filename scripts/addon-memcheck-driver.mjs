// Every call of the addon (native/unix_socket.c) and its error paths, many times over, in one plain
// Node process: what scripts/addon-memcheck.sh runs under valgrind. Plain JavaScript and no test
// runner, so that valgrind watches the addon and not a framework. Exits 0 when every check held.
//
//   node --expose-gc scripts/addon-memcheck-driver.mjs ADDON.node
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

const addonFile = process.argv[2];
if (!addonFile) {
  process.stderr.write("usage: node --expose-gc addon-memcheck-driver.mjs ADDON.node\n");
  process.exit(2);
}
const { UnixSocket, constants: C, inetPeerName, shutdownWrite } = createRequire(import.meta.url)(addonFile);
const dir = mkdtempSync(join(tmpdir(), "addon-memcheck-"));
// Removed however the driver ends: a failed check throws.
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const ROUNDS = 20;
let unique = 0;

const abstract = () => Buffer.from(`\0addon-memcheck-${process.pid}-${unique++}`);
const path = () => Buffer.from(join(dir, `s${unique++}.sock`));

function throws(code, action) {
  assert.throws(action, (err) => err.code === code && typeof err.errno === "number" && !!err.syscall);
}

function pair(type) {
  const listener = new UnixSocket(type);
  const at = abstract();
  listener.bind(at);
  listener.listen(4);
  const client = new UnixSocket(type);
  client.connect(at);
  const accepted = listener.accept();
  listener.close();
  return [client, accepted];
}

/** Resolves when `socket`'s watch calls back; closes it inside the callback when asked. */
function once(socket, readable, writable, closeInside = false) {
  return new Promise((resolve) => {
    socket.watch(readable, writable, (status, r, w) => {
      if (closeInside) socket.close();
      else socket.unwatch();
      resolve({ status, r, w });
    });
  });
}

async function round() {
  // bind, and its errors
  const dgram = new UnixSocket(C.SOCK_DGRAM);
  const at = path();
  dgram.bind(at);
  assert.deepEqual(dgram.sockname(), at);
  throws("EINVAL", () => dgram.bind(abstract()));
  throws("EADDRINUSE", () => new UnixSocket(C.SOCK_DGRAM).bind(at));
  throws("ENOENT", () => new UnixSocket(C.SOCK_DGRAM).bind(Buffer.from(join(dir, "no", "s.sock"))));
  throws("ENAMETOOLONG", () => new UnixSocket(C.SOCK_DGRAM).bind(Buffer.alloc(200, 0x61)));
  throws("ENOTCONN", () => dgram.peername());
  dgram.peercred();

  // a path that fills sun_path: the kernel says addrlen 111 but copies 110 bytes; nothing past
  // sun_path is part of the name (this -O0 build read one more byte off the stack before)
  const full = Buffer.from(join(dir, "f".repeat(C.UNIX_PATH_MAX - dir.length - 1)));
  assert.equal(full.length, C.UNIX_PATH_MAX);
  const fullSender = new UnixSocket(C.SOCK_DGRAM);
  fullSender.bind(full);
  assert.deepEqual(fullSender.sockname(), full);
  fullSender.send(Buffer.from("x"), at);
  await once(dgram, true, false);
  assert.deepEqual(dgram.recv(1).from, full);
  fullSender.close();
  rmSync(full.toString());

  // datagrams: from, MSG_TRUNC, SCM_RIGHTS, SCM_CREDENTIALS, EMSGSIZE, EAGAIN
  const sender = new UnixSocket(C.SOCK_DGRAM);
  sender.bind(abstract());
  dgram.setsockopt(C.SOL_SOCKET, C.SO_PASSCRED, 1);
  assert.equal(dgram.getsockopt(C.SOL_SOCKET, C.SO_PASSCRED), 1);
  const file = join(dir, "passed.txt");
  writeFileSync(file, "passed");
  const fd = openSync(file, "r");
  assert.equal(sender.send(Buffer.alloc(100, 1), at, [fd, fd]), 100);
  closeSync(fd);
  await once(dgram, true, false);
  const got = dgram.recv(10);
  assert.equal(got.length, 100);
  assert.equal(got.flags & C.MSG_TRUNC, C.MSG_TRUNC);
  assert.equal(got.cred.pid, process.pid);
  assert.equal(got.fds.length, 2);
  const text = Buffer.alloc(10);
  assert.equal(text.toString("utf8", 0, readSync(got.fds[0], text, 0, 10, 0)), "passed");
  for (const passed of got.fds) closeSync(passed);
  assert.equal(dgram.recv(10), null);
  // recv(size, false): the kernel closes passed fds itself (MSG_CTRUNC); the credentials still come
  const again = openSync(file, "r");
  sender.send(Buffer.from("f"), at, [again, again]);
  closeSync(again);
  await once(dgram, true, false);
  const refused = dgram.recv(10, false);
  assert.deepEqual(
    [refused.fds, refused.flags & C.MSG_CTRUNC, refused.cred.pid],
    [[], C.MSG_CTRUNC, process.pid],
  );
  sender.setsockopt(C.SOL_SOCKET, C.SO_SNDBUF, 4096);
  throws("EMSGSIZE", () => sender.send(Buffer.alloc(65_536), at));
  throws("EBADF", () => sender.send(Buffer.from("x"), at, [999_999]));
  throws("ENOPROTOOPT", () => sender.getsockopt(C.SOL_SOCKET, 9999));
  throws("ENOPROTOOPT", () => sender.setsockopt(C.SOL_SOCKET, 9999, 1));
  assert.equal(sender.pollout(), true);
  while (sender.send(Buffer.from("x"), at) !== -1) {}
  // writable, then close inside the callback
  const writable = once(sender, false, true, true);
  while (dgram.recv(1)) {}
  await writable;
  throws("EBADF", () => sender.send(Buffer.from("x"), at));
  dgram.close();
  dgram.close();

  // seqpacket: accept, EPROTOTYPE, ECONNREFUSED, EAGAIN, EPIPE, ENOTCONN, ECONNRESET, shutdown, hangup
  const listener = new UnixSocket(C.SOCK_SEQPACKET);
  const lat = path();
  listener.bind(lat);
  listener.listen(0);
  assert.equal(listener.accept(), null);
  const waiting = [];
  assert.throws(() => {
    for (let i = 0; i < 10; i++) {
      const s = new UnixSocket(C.SOCK_SEQPACKET);
      waiting.push(s);
      s.connect(lat);
    }
  }, /EAGAIN/);
  for (const s of waiting) s.close();
  throws("EPROTOTYPE", () => new UnixSocket(C.SOCK_DGRAM).connect(lat));
  listener.close();
  throws("ECONNREFUSED", () => new UnixSocket(C.SOCK_SEQPACKET).connect(lat));
  throws("ENOTCONN", () => new UnixSocket(C.SOCK_SEQPACKET).send(Buffer.from("x")));
  throws("ENOTSUP", () => new UnixSocket(C.SOCK_DGRAM).listen(1));
  throws("EINVAL", () => new UnixSocket(C.SOCK_SEQPACKET).accept());

  let [client, server] = pair(C.SOCK_SEQPACKET);
  assert.deepEqual(server.peercred(), { pid: process.pid, uid: process.getuid(), gid: process.getgid() });
  client.send(Buffer.alloc(0));
  client.send(Buffer.from("record"));
  await once(server, true, false);
  assert.equal(server.recv(100).hangup, false);
  assert.equal(server.recv(3).length, 6);
  client.shutdown(C.SHUT_WR);
  throws("EINVAL", () => client.shutdown(7));
  await once(server, true, false);
  assert.equal(server.recv(100).hangup, true);
  server.close();
  throws("EPIPE", () => client.send(Buffer.from("x")));
  client.close();

  [client, server] = pair(C.SOCK_SEQPACKET);
  client.send(Buffer.from("unread"));
  const reset = once(client, true, false, true); // closed inside its own callback
  server.close();
  assert.equal((await reset).status, -104); // ECONNRESET, from SO_ERROR
  [client, server] = pair(C.SOCK_SEQPACKET);
  client.send(Buffer.from("unread"));
  server.close();
  throws("ECONNRESET", () => client.recv(10));
  client.close();

  // an exception thrown in a callback goes to 'uncaughtException', and the process goes on
  const thrower = new UnixSocket(C.SOCK_DGRAM);
  const tat = abstract();
  thrower.bind(tat);
  const caught = new Promise((resolve) => process.once("uncaughtException", resolve));
  thrower.watch(true, false, () => {
    thrower.close();
    throw new Error("thrown in the callback");
  });
  const poke = new UnixSocket(C.SOCK_DGRAM);
  poke.send(Buffer.from("x"), tat);
  poke.close();
  assert.equal((await caught).message, "thrown in the callback");

  // inetPeerName(): a TCP socket's peer over loopback, IPv4 and IPv6; null for a unix socket.
  // shutdownWrite(): our FIN on the same socket, which the client then reads as EOF.
  for (const host of ["127.0.0.1", "::1"]) {
    const server = net.createServer();
    await new Promise((resolve) => server.listen(0, host, resolve));
    const client = net.connect(server.address().port, host);
    const [socket] = await Promise.all([
      new Promise((resolve) => server.once("connection", resolve)),
      new Promise((resolve) => client.once("connect", resolve)),
    ]);
    const named = host.includes(":") ? `[${host}]:${client.localPort}` : `${host}:${client.localPort}`;
    assert.equal(inetPeerName(socket._handle.fd), named);
    const eof = new Promise((resolve) => client.once("end", resolve));
    client.resume();
    assert.equal(shutdownWrite(socket._handle.fd), null);
    await eof;
    client.destroy();
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
  const [unixOne, unixOther] = pair(C.SOCK_STREAM);
  assert.equal(inetPeerName(unixOne.fd), null);
  assert.equal(shutdownWrite(unixOne.fd), null);
  unixOne.close();
  assert.equal(shutdownWrite(unixOne.fd), "EBADF"); // -1 now
  unixOther.close();
  assert.throws(() => inetPeerName(1.5), TypeError);
  assert.throws(() => shutdownWrite(1.5), TypeError);

  // misuse
  assert.throws(() => new UnixSocket(C.SOCK_DGRAM).bind("not a buffer"), TypeError);
  assert.throws(() => new UnixSocket(C.SOCK_DGRAM).watch(true, false), TypeError);
  // left for the garbage collector, watched once and not
  new UnixSocket(C.SOCK_DGRAM).bind(abstract());
  const watchedThenDropped = new UnixSocket(C.SOCK_DGRAM);
  watchedThenDropped.watch(true, false, () => {});
  watchedThenDropped.unwatch();
}

/** A worker_thread that ends with sockets open, watched and once watched: the env's end closes them. */
async function workerEnds() {
  const worker = new Worker(
    `const addon = require(${JSON.stringify(addonFile)}), C = addon.constants;
    const a = new addon.UnixSocket(C.SOCK_DGRAM); a.watch(true, false, () => a.recv(1)); a.unwatch();
    const b = new addon.UnixSocket(C.SOCK_DGRAM); b.watch(true, false, () => b.recv(1));
    require("node:worker_threads").parentPort.postMessage("watching");`,
    { eval: true },
  );
  await new Promise((resolve) => worker.once("message", resolve));
  assert.equal(await worker.terminate(), 1);
}

for (let i = 0; i < ROUNDS; i++) await round();
await workerEnds();
globalThis.gc?.();
await new Promise((resolve) => setTimeout(resolve, 50));
globalThis.gc?.();
process.stdout.write(`addon-memcheck-driver: ${ROUNDS} rounds of every call, all checks held\n`);
