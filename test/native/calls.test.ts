// Every call of the addon (native/unix_socket.c) against the real kernel, and what each failing call
// throws: the kernel's errno as a Node-style error (code, negative errno, syscall, "<syscall> <CODE>").
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  writeFileSync,
} from "node:fs";
import { constants as os } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ADDON_FILE } from "../../src/transports/unix-addon/native.js";
import {
  abstractName,
  C,
  closeAll,
  connectedPair,
  name,
  recvWhenReady,
  Socket,
  socket,
  thrown,
  whenReadable,
} from "../helpers/native.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(() => {
  closeAll();
  removeTempDirs();
});

/** What Node's own errors look like, e.g. { code: "ENOENT", errno: -2, syscall: "bind" }. */
function kernelSaid(code: keyof typeof os.errno, syscall: string) {
  return { code, errno: -os.errno[code], syscall, message: `${syscall} ${code}` };
}

describe("bind", () => {
  it("binds a path, and sockname() gives its bytes back", () => {
    const path = join(tempDir(), "s.sock");
    const s = socket(C.SOCK_DGRAM);
    s.bind(name(path));
    expect(existsSync(path)).toBe(true);
    expect(s.sockname().toString()).toBe(path);
  });

  it("binds an abstract name at its exact length, never NUL-padded", () => {
    const at = abstractName("exact");
    const s = socket(C.SOCK_SEQPACKET);
    s.bind(name(at));
    expect(s.sockname()).toEqual(name(at));
    const listed = spawnSync("cat", ["/proc/net/unix"], { encoding: "utf8" }).stdout;
    expect(listed).toContain(` ${at}\n`); // the kernel's own listing: no trailing NULs (shown as @)
  });

  it("a path that fills all 108 bytes of sun_path: sockname() and a receiver's `from` are exactly it", async () => {
    // The kernel says addrlen 111 for such a name (its own NUL counted) but has only 110 bytes to copy
    // into a sockaddr_un: nothing past sun_path may be read as part of the name.
    const dir = tempDir();
    const path = join(dir, "s".repeat(C.UNIX_PATH_MAX - dir.length - 1));
    expect(Buffer.byteLength(path)).toBe(C.UNIX_PATH_MAX);
    const sender = socket(C.SOCK_DGRAM);
    sender.bind(name(path));
    expect(sender.sockname()).toEqual(name(path));
    const receiver = socket(C.SOCK_DGRAM);
    const at = name(abstractName("full-path"));
    receiver.bind(at);
    sender.send(Buffer.from("x"), at);
    expect((await recvWhenReady(receiver)).from).toEqual(name(path));
  });

  it("throws EADDRINUSE for a path already bound", () => {
    const path = name(join(tempDir(), "s.sock"));
    socket(C.SOCK_DGRAM).bind(path);
    expect(thrown(() => socket(C.SOCK_DGRAM).bind(path))).toMatchObject(kernelSaid("EADDRINUSE", "bind"));
  });

  it("throws ENOENT for a path in a missing directory", () => {
    const path = name(join(tempDir(), "missing", "s.sock"));
    expect(thrown(() => socket(C.SOCK_DGRAM).bind(path))).toMatchObject(kernelSaid("ENOENT", "bind"));
  });

  it("throws EINVAL for a socket bound already", () => {
    const s = socket(C.SOCK_DGRAM);
    s.bind(name(abstractName("once")));
    expect(thrown(() => s.bind(name(abstractName("twice"))))).toMatchObject(kernelSaid("EINVAL", "bind"));
  });

  it("passes a name longer than sun_path's 108 bytes to the kernel (EINVAL), and takes one of exactly 108", () => {
    const dir = tempDir();
    const long = name(join(dir, "x".repeat(C.UNIX_PATH_MAX + 1 - dir.length)));
    expect(long.length).toBe(C.UNIX_PATH_MAX + 2);
    expect(thrown(() => socket(C.SOCK_DGRAM).bind(long))).toMatchObject(kernelSaid("EINVAL", "bind"));
    // Longer than even a sockaddr_storage holds: no call can carry it, so the addon says ENAMETOOLONG.
    const huge = name(join(dir, "x".repeat(200)));
    expect(thrown(() => socket(C.SOCK_DGRAM).bind(huge))).toMatchObject(kernelSaid("ENAMETOOLONG", "bind"));
    // 108 bytes and no terminating NUL: Linux takes it (unix(7), BUGS).
    const full = name(`@${"n".repeat(C.UNIX_PATH_MAX - 1)}`);
    expect(full.length).toBe(C.UNIX_PATH_MAX);
    const s = socket(C.SOCK_DGRAM);
    s.bind(full);
    expect(s.sockname()).toEqual(full);
  });

  it("throws EACCES for a directory the caller cannot write (as nobody)", () => {
    const dir = tempDir();
    chmodSync(dir, 0o755); // nobody may enter, not write
    // A copy of the addon that the user nobody can read: the clone may be where only root can enter.
    const addon = join(dir, "addon-copy.node");
    copyFileSync(ADDON_FILE, addon);
    chmodSync(addon, 0o755);
    const script = `
      const { UnixSocket, constants } = require(${JSON.stringify(addon)});
      try { new UnixSocket(constants.SOCK_DGRAM).bind(Buffer.from(process.argv[1])); console.log("bound"); }
      catch (e) { console.log(JSON.stringify({ code: e.code, errno: e.errno, syscall: e.syscall })); }`;
    const run = spawnSync(process.execPath, ["-e", script, join(dir, "s.sock")], {
      encoding: "utf8",
      uid: 65534,
      gid: 65534,
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ code: "EACCES", errno: -os.errno.EACCES, syscall: "bind" });
  });
});

describe("listen, accept, connect", () => {
  it("accepts a connection as a new socket, and null when none is waiting", () => {
    const listener = socket(C.SOCK_SEQPACKET);
    const at = name(abstractName("accept"));
    listener.bind(at);
    listener.listen(4);
    expect(listener.accept()).toBeNull();
    const client = socket(C.SOCK_SEQPACKET);
    client.connect(at);
    const accepted = listener.accept();
    expect(accepted).toBeInstanceOf(Socket);
    expect(accepted?.fd).toBeGreaterThan(2);
    expect(client.peername()).toEqual(at);
    expect(accepted?.getsockopt(C.SOL_SOCKET, C.SO_TYPE)).toBe(C.SOCK_SEQPACKET);
    accepted?.close();
  });

  it("throws EOPNOTSUPP (Node names it ENOTSUP) for listen() on a datagram socket and EINVAL for accept() before listen()", () => {
    expect(thrown(() => socket(C.SOCK_DGRAM).listen(1))).toMatchObject(kernelSaid("ENOTSUP", "listen"));
    expect(thrown(() => socket(C.SOCK_SEQPACKET).accept())).toMatchObject(kernelSaid("EINVAL", "accept"));
  });

  it("throws ECONNREFUSED for a stale socket file, ENOENT for none", () => {
    const dir = tempDir();
    const stale = name(join(dir, "stale.sock"));
    const gone = socket(C.SOCK_SEQPACKET);
    gone.bind(stale);
    gone.close(); // the file stays; nobody is behind it
    expect(existsSync(stale.toString())).toBe(true);
    expect(thrown(() => socket(C.SOCK_SEQPACKET).connect(stale))).toMatchObject(
      kernelSaid("ECONNREFUSED", "connect"),
    );
    const none = name(join(dir, "none.sock"));
    expect(thrown(() => socket(C.SOCK_SEQPACKET).connect(none))).toMatchObject(
      kernelSaid("ENOENT", "connect"),
    );
  });

  it("throws EPROTOTYPE for a socket of another type at the name", () => {
    // A path: abstract names are looked up per type, so there the kernel finds nobody (ECONNREFUSED).
    const at = name(join(tempDir(), "dgram.sock"));
    socket(C.SOCK_DGRAM).bind(at);
    expect(thrown(() => socket(C.SOCK_SEQPACKET).connect(at))).toMatchObject(
      kernelSaid("EPROTOTYPE", "connect"),
    );
  });

  it("throws EAGAIN when the listener's backlog is full (non-blocking connect on AF_UNIX)", () => {
    const listener = socket(C.SOCK_SEQPACKET);
    const at = name(abstractName("backlog"));
    listener.bind(at);
    listener.listen(1);
    let error: NodeJS.ErrnoException | undefined;
    for (let i = 0; i < 10 && !error; i++) {
      try {
        socket(C.SOCK_SEQPACKET).connect(at);
      } catch (err) {
        error = err as NodeJS.ErrnoException;
      }
    }
    expect(error).toMatchObject(kernelSaid("EAGAIN", "connect"));
  });
});

describe("send and recv", () => {
  it("carries datagrams between named sockets: from, length, no flags", async () => {
    const [a, b] = [socket(C.SOCK_DGRAM), socket(C.SOCK_DGRAM)];
    const [atA, atB] = [name(abstractName("a")), name(join(tempDir(), "b.sock"))];
    a.bind(atA);
    b.bind(atB);
    expect(a.send(Buffer.from("hello"), atB)).toBe(5);
    expect(a.send(Buffer.alloc(0), atB)).toBe(0);
    const first = await recvWhenReady(b);
    expect(first).toEqual({ data: Buffer.from("hello"), length: 5, from: atA, flags: 0, fds: [] });
    expect(await recvWhenReady(b)).toMatchObject({ data: Buffer.alloc(0), length: 0, from: atA });
    expect(b.recv(100)).toBeNull(); // nothing queued: EAGAIN
  });

  it("reports MSG_TRUNC and the real length when a datagram is longer than the buffer", async () => {
    const [a, b] = [socket(C.SOCK_DGRAM), socket(C.SOCK_DGRAM)];
    const at = name(abstractName("trunc"));
    b.bind(at);
    a.send(Buffer.alloc(100, 7), at);
    const got = await recvWhenReady(b, 10);
    expect(got.data).toEqual(Buffer.alloc(10, 7));
    expect(got.length).toBe(100);
    expect(got.flags & C.MSG_TRUNC).toBe(C.MSG_TRUNC);
    expect(got.from).toEqual(Buffer.alloc(0)); // an unnamed sender
  });

  it("reports MSG_TRUNC on a seqpacket record, and the next record is whole", async () => {
    const [client, server] = connectedPair(C.SOCK_SEQPACKET);
    client.send(Buffer.from("0123456789"));
    client.send(Buffer.from("ok"));
    const cut = await recvWhenReady(server, 4);
    expect([cut.data.toString(), cut.length, cut.flags & C.MSG_TRUNC]).toEqual(["0123", 10, C.MSG_TRUNC]);
    const next = await recvWhenReady(server, 4);
    expect([next.data.toString(), next.length, next.flags]).toEqual(["ok", 2, 0]);
  });

  it("throws EMSGSIZE for a datagram larger than the sender's SO_SNDBUF allows", () => {
    const s = socket(C.SOCK_DGRAM);
    s.setsockopt(C.SOL_SOCKET, C.SO_SNDBUF, 4096); // the kernel doubles it: 8192
    const at = name(abstractName("big"));
    socket(C.SOCK_DGRAM).bind(at);
    expect(thrown(() => s.send(Buffer.alloc(65_536), at))).toMatchObject(kernelSaid("EMSGSIZE", "sendmsg"));
  });

  it("throws EPIPE (and raises no SIGPIPE) once the peer is gone, ENOTCONN when never connected", () => {
    const [client, server] = connectedPair(C.SOCK_SEQPACKET);
    server.close();
    expect(thrown(() => client.send(Buffer.from("x")))).toMatchObject(kernelSaid("EPIPE", "sendmsg"));
    expect(thrown(() => socket(C.SOCK_SEQPACKET).send(Buffer.from("x")))).toMatchObject(
      kernelSaid("ENOTCONN", "sendmsg"),
    );
  });

  it("returns -1 (EAGAIN) when the receiver's queue is full", () => {
    const at = name(abstractName("full"));
    socket(C.SOCK_DGRAM).bind(at); // never reads
    const sender = socket(C.SOCK_DGRAM);
    let sent = 0;
    while (sender.send(Buffer.from("x"), at) === 1 && sent < 100_000) sent++;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(100_000);
    expect(sender.send(Buffer.from("x"), at)).toBe(-1);
  });

  it("throws ECONNRESET from recv() when the seqpacket peer closed with our data unread", () => {
    const [client, server] = connectedPair(C.SOCK_SEQPACKET);
    client.send(Buffer.from("never read"));
    server.close();
    expect(thrown(() => client.recv(100))).toMatchObject(kernelSaid("ECONNRESET", "recvmsg"));
    expect(client.recv(100)).toMatchObject({ length: 0 }); // then end-of-file
  });

  it("tells the watch callback ECONNRESET, the kernel's error, not libuv's EBADF", async () => {
    const [client, server] = connectedPair(C.SOCK_SEQPACKET);
    client.send(Buffer.from("never read"));
    const heard = whenReadable(client);
    server.close();
    expect(await heard).toEqual({ status: -os.errno.ECONNRESET, readable: false });
  });

  it("tells an empty seqpacket record (hangup false) from end-of-file after shutdown (hangup true)", async () => {
    const [client, server] = connectedPair(C.SOCK_SEQPACKET);
    client.send(Buffer.alloc(0));
    client.send(Buffer.from("after"));
    expect(await recvWhenReady(server)).toMatchObject({ length: 0, hangup: false });
    expect(await recvWhenReady(server)).toMatchObject({ data: Buffer.from("after") });
    client.shutdown(C.SHUT_WR);
    expect(await recvWhenReady(server)).toMatchObject({ length: 0, data: Buffer.alloc(0), hangup: true });
  });

  it("with the peer shut down already, still reads its queued records first, an empty one too", async () => {
    // POLLRDHUP says the peer has shut down, not that its records are all read. A read made with
    // SO_PASSCRED on (the caller's, or lent for the read) tells: every record, an empty one too,
    // carries SCM_CREDENTIALS, and end-of-file none.
    for (const passcred of [1, 0]) {
      const [client, server] = connectedPair(C.SOCK_SEQPACKET);
      server.setsockopt(C.SOL_SOCKET, C.SO_PASSCRED, passcred);
      client.send(Buffer.alloc(0));
      client.send(Buffer.from("abc"));
      client.shutdown(C.SHUT_WR);
      const reads = [];
      for (let n = 0; n < 3; n++) {
        const { data, hangup } = await recvWhenReady(server);
        reads.push([data.toString(), hangup]);
      }
      expect(reads).toEqual([
        ["", false],
        ["abc", undefined],
        ["", true],
      ]);
    }
  });

  it("reads end-of-file after the peer's close; a datagram read has no hangup", async () => {
    const [client, server] = connectedPair(C.SOCK_SEQPACKET);
    client.close();
    expect(await recvWhenReady(server)).toMatchObject({ length: 0, hangup: true });
    const [a, b] = [socket(C.SOCK_DGRAM), socket(C.SOCK_DGRAM)];
    const at = name(abstractName("nohangup"));
    b.bind(at);
    a.send(Buffer.alloc(0), at);
    expect((await recvWhenReady(b)).hangup).toBeUndefined();
  });

  it("a bad `how` for shutdown() is EINVAL", () => {
    const [client] = connectedPair(C.SOCK_SEQPACKET);
    expect(thrown(() => client.shutdown(7))).toMatchObject(kernelSaid("EINVAL", "shutdown"));
  });
});

describe("options and names", () => {
  it("sets and gets int options: SO_RCVBUF (doubled by the kernel), SO_PASSCRED, SO_TYPE", () => {
    const s = socket(C.SOCK_DGRAM);
    s.setsockopt(C.SOL_SOCKET, C.SO_RCVBUF, 10_000);
    expect(s.getsockopt(C.SOL_SOCKET, C.SO_RCVBUF)).toBe(20_000);
    expect(s.getsockopt(C.SOL_SOCKET, C.SO_PASSCRED)).toBe(0);
    s.setsockopt(C.SOL_SOCKET, C.SO_PASSCRED, 1);
    expect(s.getsockopt(C.SOL_SOCKET, C.SO_PASSCRED)).toBe(1);
    expect(s.getsockopt(C.SOL_SOCKET, C.SO_TYPE)).toBe(C.SOCK_DGRAM);
    expect(s.getsockopt(C.SOL_SOCKET, C.SO_ERROR)).toBe(0);
    expect(thrown(() => s.getsockopt(C.SOL_SOCKET, 9999))).toMatchObject(
      kernelSaid("ENOPROTOOPT", "getsockopt"),
    );
    expect(thrown(() => s.setsockopt(C.SOL_SOCKET, 9999, 1))).toMatchObject(
      kernelSaid("ENOPROTOOPT", "setsockopt"),
    );
  });

  it("gives an unnamed socket's name as empty, and ENOTCONN for the peer of an unconnected one", () => {
    const s = socket(C.SOCK_DGRAM);
    expect(s.sockname()).toEqual(Buffer.alloc(0));
    expect(thrown(() => s.peername())).toMatchObject(kernelSaid("ENOTCONN", "getpeername"));
    expect(s.peercred()).toMatchObject({ pid: 0 }); // nobody: the kernel's empty credentials
  });
});

describe("pollout", () => {
  it("says whether the socket's own send buffer has room: not while its datagrams sit unread", () => {
    const [sender, receiver] = [socket(C.SOCK_DGRAM), socket(C.SOCK_DGRAM)];
    const at = name(abstractName("pollout"));
    receiver.bind(at);
    expect(sender.pollout()).toBe(true);
    // 64 KiB datagrams fill the sender's SO_SNDBUF before the receiver's queue (max_dgram_qlen) fills.
    while (sender.send(Buffer.alloc(65_536), at) !== -1) {}
    expect(sender.pollout()).toBe(false);
    while (receiver.recv(65_536)) {}
    expect(sender.pollout()).toBe(true);
  });
});

describe("SCM_RIGHTS", () => {
  it("passes an open file: the receiver reads the file through the fd it got", async () => {
    const file = join(tempDir(), "passed.txt");
    writeFileSync(file, "read through a passed descriptor");
    const [client, server] = connectedPair(C.SOCK_SEQPACKET);
    const fd = openSync(file, "r");
    try {
      expect(client.send(Buffer.from("file"), null, [fd])).toBe(4);
    } finally {
      closeSync(fd); // the kernel holds its own reference in flight
    }
    const got = await recvWhenReady(server);
    expect(got.data.toString()).toBe("file");
    expect(got.fds).toHaveLength(1);
    const [passed] = got.fds as [number];
    const buffer = Buffer.alloc(100);
    const n = readSync(passed, buffer, 0, 100, 0);
    closeSync(passed);
    expect(buffer.subarray(0, n).toString()).toBe("read through a passed descriptor");
  });

  it("recv(size, false) installs none: the kernel closes them and says MSG_CTRUNC; credentials still come", async () => {
    const [client, server] = connectedPair(C.SOCK_SEQPACKET);
    const fds = () => readdirSync("/proc/self/fd").length;
    const fd = openSync("/dev/null", "r");
    for (const passcred of [0, 1]) {
      server.setsockopt(C.SOL_SOCKET, C.SO_PASSCRED, passcred);
      const before = fds();
      expect(client.send(Buffer.from("fds"), null, Array(100).fill(fd))).toBe(3);
      const got = await recvWhenReady(server, 100, false);
      expect(got).toMatchObject({ length: 3, fds: [], flags: C.MSG_CTRUNC });
      expect(got.cred?.pid).toBe(passcred ? process.pid : undefined);
      expect(fds()).toBe(before);
    }
    closeSync(fd);
  });

  it("throws EBADF for an fd that is not open", () => {
    const [client] = connectedPair(C.SOCK_SEQPACKET);
    expect(thrown(() => client.send(Buffer.from("x"), null, [999_999]))).toMatchObject(
      kernelSaid("EBADF", "sendmsg"),
    );
  });
});

describe("a closed socket", () => {
  it("closes once however often asked, and every later call throws EBADF naming its call", () => {
    const s = new Socket(C.SOCK_DGRAM);
    const fd = s.fd;
    s.close();
    s.close();
    expect(s.fd).toBe(-1);
    // The number may be reused by the next open(): the closed socket must never touch it.
    const reused = openSync("/dev/null", "r");
    try {
      expect(thrown(() => s.bind(name(abstractName("late"))))).toMatchObject(kernelSaid("EBADF", "bind"));
      expect(thrown(() => s.send(Buffer.from("x")))).toMatchObject(kernelSaid("EBADF", "sendmsg"));
      expect(thrown(() => s.recv(1))).toMatchObject(kernelSaid("EBADF", "recvmsg"));
      expect(thrown(() => s.watch(true, false, () => {}))).toMatchObject(kernelSaid("EBADF", "watch"));
      expect(thrown(() => s.pollout())).toMatchObject(kernelSaid("EBADF", "poll"));
      expect(thrown(() => s.getsockopt(C.SOL_SOCKET, C.SO_TYPE))).toMatchObject(
        kernelSaid("EBADF", "getsockopt"),
      );
      if (reused === fd) expect(readSync(reused, Buffer.alloc(1))).toBe(0); // still ours, still /dev/null
    } finally {
      closeSync(reused);
    }
  });
});
