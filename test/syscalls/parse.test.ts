// The strace parser on real lines, captured from `strace -f -yy -o FILE` running `playground --transport
// tcp4 --json`: the main thread (18691) makes the socket calls while pino's worker threads write
// NDJSON to stdout, so strace splits calls into `<unfinished ...>` / `<... resumed>` halves.
import { describe, expect, it } from "vitest";
import { fdArgument, localAddress, parseStrace, withoutAnnotations } from "../../src/syscalls/parse.js";
import { findSockets } from "../../src/syscalls/sockets.js";
import type { SocketEvent } from "../../src/trace/events.js";
import { tcp4 } from "../../src/transports/tcp.js";
import { udp4 } from "../../src/transports/udp.js";
import { unixDgram } from "../../src/transports/unix-dgram.js";

const TCP4_LOG = String.raw`18691 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 19<TCP:[101565]>
18691 setsockopt(19<TCP:[101565]>, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
18691 bind(19<TCP:[101565]>, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
18691 listen(19<TCP:[127.0.0.1:34755]>, 4096) = 0
18691 getsockname(19<TCP:[127.0.0.1:34755]>, {sa_family=AF_INET, sin_port=htons(34755), sin_addr=inet_addr("127.0.0.1")}, [128 => 16]) = 0
18713 write(1</tmp/st/tcp4.out>, "{\"level\":30,\"time\":\"2026-11-25T1"..., 239) = 239
18713 write(17<anon_inode:[eventfd]>, "\1\0\0\0\0\0\0\0", 8) = 8
18691 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 20<TCP:[101572]>
18691 connect(20<TCP:[101572]>, {sa_family=AF_INET, sin_port=htons(34755), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)
18691 accept4(19<TCP:[127.0.0.1:34755]>, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK <unfinished ...>
18712 write(1</tmp/st/tcp4.out>, "{\"level\":30,\"time\":\"2026-11-25T1"..., 847 <unfinished ...>
18691 <... accept4 resumed>)            = 21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>
18712 <... write resumed>)              = 847
18712 write(17<anon_inode:[eventfd]>, "\1\0\0\0\0\0\0\0", 8) = 8
18691 setsockopt(21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>, SOL_TCP, TCP_NODELAY, [1], 4) = 0
18691 getpeername(21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>, {sa_family=AF_INET, sin_port=htons(41364), sin_addr=inet_addr("127.0.0.1")}, [128 => 16]) = 0
18691 write(21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>, "Welcome to the server!", 22) = 22
18691 getsockopt(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
18691 setsockopt(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>, SOL_TCP, TCP_NODELAY, [1], 4) = 0
18691 getsockname(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>, {sa_family=AF_INET, sin_port=htons(41364), sin_addr=inet_addr("127.0.0.1")}, [128 => 16]) = 0
18691 read(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>,  <unfinished ...>
18715 write(1</tmp/st/tcp4.out>, "{\"level\":30,\"time\":\"2026-11-25T1"..., 1069 <unfinished ...>
18691 <... read resumed>"Welcome to the server!", 65536) = 22
18691 write(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>, "Hello, Server! This is the clien"..., 34 <unfinished ...>
18715 <... write resumed>)              = 1069
18715 write(17<anon_inode:[eventfd]>, "\1\0\0\0\0\0\0\0", 8) = 8
18691 <... write resumed>)              = 34
18691 shutdown(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>, SHUT_WR) = 0
18691 read(21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>, "Hello, Server! This is the clien"..., 65536) = 34
18714 write(1</tmp/st/tcp4.out>, "{\"level\":30,\"time\":\"2026-11-25T1"..., 1141) = 1141
18714 write(17<anon_inode:[eventfd]>, "\1\0\0\0\0\0\0\0", 8) = 8
18713 write(1</tmp/st/tcp4.out>, "{\"level\":30,\"time\":\"2026-11-25T1"..., 452) = 452
18713 write(17<anon_inode:[eventfd]>, "\1\0\0\0\0\0\0\0", 8) = 8
18691 read(21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>, "", 65536) = 0
18691 write(21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>, "Message received!", 17) = 17
18691 shutdown(21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>, SHUT_WR) = 0
18691 close(21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>) = 0
18712 write(1</tmp/st/tcp4.out>, "{\"level\":30,\"time\":\"2026-11-25T1"..., 1565) = 1565
18712 write(17<anon_inode:[eventfd]>, "\1\0\0\0\0\0\0\0", 8) = 8
18691 read(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>, "Message received!", 65536) = 17
18691 close(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>) = 0
18691 close(19<TCP:[127.0.0.1:34755]>)  = 0`;

describe("parseStrace", () => {
  const calls = parseStrace(TCP4_LOG);

  it("reads one call per line, and one per unfinished/resumed pair", () => {
    const lines = TCP4_LOG.split("\n");
    const resumed = lines.filter((l) => l.includes("resumed>")).length;
    expect(calls).toHaveLength(lines.length - resumed);
  });

  it("joins accept4's halves across another thread's line, result annotation included", () => {
    const accept = calls.find((c) => c.name === "accept4");
    expect(accept).toEqual({
      pid: 18691,
      name: "accept4",
      args: "19<TCP:[127.0.0.1:34755]>, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK",
      result: 21,
      resultNote: "TCP:[127.0.0.1:34755->127.0.0.1:41364]",
      text:
        "accept4(19<TCP:[127.0.0.1:34755]>, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK) = " +
        "21<TCP:[127.0.0.1:34755->127.0.0.1:41364]>",
    });
  });

  it("keeps each thread's half with its own thread when two are open at once", () => {
    const read = calls.find((c) => c.name === "read" && c.result === 22);
    expect(read?.text).toBe(
      'read(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>, "Welcome to the server!", 65536) = 22',
    );
    const writes = calls.filter((c) => c.name === "write" && c.pid !== 18691 && c.args.startsWith("1<"));
    expect(writes.map((c) => c.result)).toEqual([239, 847, 1069, 1141, 452, 1565]);
    const clientWrite = calls.find((c) => c.pid === 18691 && c.name === "write" && fdArgument(c) === 20);
    expect(clientWrite?.result).toBe(34);
  });

  it("reads a failed call's errno and strace's words for it", () => {
    const connect = calls.find((c) => c.name === "connect");
    expect(connect).toMatchObject({
      result: -1,
      errno: "EINPROGRESS",
      errnoText: "Operation now in progress",
    });
    expect(connect && withoutAnnotations(connect)).toEqual({
      name: "connect",
      args: '20, {sa_family=AF_INET, sin_port=htons(34755), sin_addr=inet_addr("127.0.0.1")}, 16',
      returned: "-1 EINPROGRESS",
    });
  });

  it("reads the [pid N] prefix strace writes to a terminal, and skips exits and signals", () => {
    const log = String.raw`[pid 29576] read(21</work/main/node_modules/yargs/build/lib/utils/process-argv.js>,  <unfinished ...>
[pid 29574] read(20</work/main/node_modules/yargs/build/lib/utils/apply-extends.js>,  <unfinished ...>
[pid 29576] <... read resumed>"function getProcessArgvBinIndex() {\n    if (isBundledElectronApp"..., 436) = 436
[pid 29574] <... read resumed>"import { YError } from '../yerror.js';\nlet previouslyVisitedConf"..., 2049) = 2049
18723 recvmsg(18<UDP:[127.0.0.1:47571]>, {msg_namelen=128}, 0) = -1 EAGAIN (Resource temporarily unavailable)
[pid 29329] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=29330, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
[pid 29329] +++ exited with 0 +++
18713 <... close resumed>)              = 0`;
    const parsed = parseStrace(log);
    expect(parsed.map((c) => [c.pid, c.name, fdArgument(c), c.result])).toEqual([
      [29576, "read", 21, 436],
      [29574, "read", 20, 2049],
      [18723, "recvmsg", 18, -1],
    ]);
    expect(parsed[2]?.errno).toBe("EAGAIN");
  });
});

describe("localAddress", () => {
  it.each([
    ["TCP:[101565]", undefined],
    ["TCP:[127.0.0.1:34755]", "127.0.0.1:34755"],
    ["TCP:[127.0.0.1:41364->127.0.0.1:34755]", "127.0.0.1:41364"],
    ["TCPv6:[[::1]:33793->[::1]:60210]", "[::1]:33793"],
    ["UDP:[0.0.0.0:34002]", "0.0.0.0:34002"],
    ["UNIX-STREAM:[101791]", undefined],
    [
      'UNIX-STREAM:[101802->101797,"/tmp/playground-HMkhwy/stream.sock"]',
      "/tmp/playground-HMkhwy/stream.sock",
    ],
    [
      'UNIX-STREAM:[105392,@"socket-playground-stream-20564-aacocj"]',
      "@socket-playground-stream-20564-aacocj",
    ],
  ])("%s -> %s", (annotation, address) => {
    expect(localAddress(annotation)).toBe(address);
  });
});

describe("findSockets: fd lifetimes and whose each socket is", () => {
  it("tcp4: the listening fd, the client's, and the one accept4() returned", () => {
    const sockets = findSockets(parseStrace(TCP4_LOG), tcp4, []);
    expect(sockets.map((s) => [s.fd, s.role, s.session, s.calls[0]?.name])).toEqual([
      [19, "server", undefined, "socket"],
      [20, "client", undefined, "socket"],
      [21, "session", 1, "accept4"],
    ]);
    // stdout (fd 1) and the eventfd (17) are no sockets of ours
    expect(sockets.flatMap((s) => s.calls).every((c) => c.text.includes("TCP:["))).toBe(true);
  });

  it("unix-dgram: a reused fd number starts a new socket; sides come from the bound paths", () => {
    const log = `18751 socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 18<NETLINK:[101823]>
18751 bind(18<NETLINK:[101823]>, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 0
18751 close(18<NETLINK:[ROUTE:18751]>)  = 0
18751 socket(AF_UNIX, SOCK_DGRAM, 0)    = 18<UNIX:[101825]>
18751 bind(18<UNIX:[101825]>, {sa_family=AF_UNIX, sun_path="/tmp/playground-0REpdp/dgram.sock"}, 110) = 0
18751 socket(AF_UNIX, SOCK_DGRAM, 0)    = 19<UNIX:[101826]>
18751 bind(19<UNIX:[101826]>, {sa_family=AF_UNIX, sun_path="/tmp/playground-cvybOt/client.sock"}, 110) = 0
18751 close(19<UNIX:[101826,"/tmp/playground-cvybOt/client.sock"]>) = 0
18751 close(18<UNIX:[101825,"/tmp/playground-0REpdp/dgram.sock"]>) = 0`;
    const bind = (side: "server" | "client", local: string) =>
      ({ side, call: "bind", local, t: 0, inferred: false }) as SocketEvent;
    const events = [
      bind("server", "/tmp/playground-0REpdp/dgram.sock"),
      bind("client", "/tmp/playground-cvybOt/client.sock"),
    ];
    const sockets = findSockets(parseStrace(log), unixDgram, events);
    expect(sockets.map((s) => [s.fd, s.role, s.calls.map((c) => c.name)])).toEqual([
      [18, "server", ["socket", "bind", "close"]],
      [19, "client", ["socket", "bind", "close"]],
    ]);
  });

  it("udp4 without -yy's annotations: the server is found by the address getsockname() gave", () => {
    const log = `31943 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 18
31943 bind(18, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
31943 getsockname(18, {sa_family=AF_INET, sin_port=htons(56572), sin_addr=inet_addr("127.0.0.1")}, [128 => 16]) = 0
31943 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 19
31943 bind(19, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, 16) = 0
31943 getsockname(19, {sa_family=AF_INET, sin_port=htons(52007), sin_addr=inet_addr("127.0.0.1")}, [128 => 16]) = 0
31943 recvmsg(18, {msg_namelen=128}, 0) = -1 EAGAIN (Resource temporarily unavailable)`;
    const bind = (side: "server" | "client", local: string) =>
      ({ side, call: "bind", local, t: 0, inferred: false }) as SocketEvent;
    const events = [bind("server", "127.0.0.1:56572"), bind("client", "127.0.0.1:52007")];
    const sockets = findSockets(parseStrace(log), udp4, events);
    expect(sockets.map((s) => [s.fd, s.role, [...s.addresses]])).toEqual([
      [18, "server", ["127.0.0.1:56572"]],
      [19, "client", ["127.0.0.1:52007"]],
    ]);
  });
});
