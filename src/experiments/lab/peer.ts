// The lab's python3 peer: plain socket calls made inside one of the lab's hosts (`ip netns exec`), so
// that what it prints is the kernel's own answer there, with no Node or libuv in between. One program,
// one job per start, chosen by its first argument; it prints one JSON line per thing it has to say:
//
//   serve KIND ADDR          bind ADDR ({"bound": port} or {"errno": …}), then answer every peer "served"
//   dial KIND ADDR SECONDS [OWN]  connect and read the answer: {"outcome": "served"} or {"errno": …},
//                            and ms; OWN is the path a unix-dgram client binds, for the answer
//   shout KIND ADDR SECONDS  UDP unconnected: sendto, then wait: "served", or "silence" (no error)
//   sink KIND ADDR           bind, then count what arrives until 1 s of quiet (TCP: until EOF)
//   source KIND ADDR N       TCP: send N bytes, shut down; UDP: N datagrams of 100 bytes
//   send KIND ADDR SIZE      one UDP datagram of SIZE bytes: {"sent": n} or {"errno": …}
//
// KIND is tcp4, tcp6, udp4, udp6, unix-stream, unix-dgram or unix-seqpacket; ADDR is host:port,
// [v6]:port, a path, or @name (abstract). Errors are errno names; a timeout is ETIMEDOUT.

import type { Host } from "../../lab/hosts.js";
import { PYTHON } from "../../tools.js";
import type { ExperimentContext } from "../experiment.js";
import type { ChildPeer } from "../kit/child-peer.js";
import { startChild } from "../kit/child-peer.js";

const PROGRAM = String.raw`
import errno, json, socket, sys, time

def say(**kw):
    print(json.dumps(kw), flush=True)

def code(e):
    if isinstance(e, socket.timeout):
        return "ETIMEDOUT"
    return errno.errorcode.get(e.errno, str(e.errno))

def sock_for(kind, addr):
    if kind.startswith("unix"):
        t = {"unix-stream": socket.SOCK_STREAM, "unix-dgram": socket.SOCK_DGRAM,
             "unix-seqpacket": socket.SOCK_SEQPACKET}[kind]
        a = "\0" + addr[1:] if addr.startswith("@") else addr
        return socket.socket(socket.AF_UNIX, t), a
    fam = socket.AF_INET6 if kind.endswith("6") else socket.AF_INET
    t = socket.SOCK_STREAM if kind.startswith("tcp") else socket.SOCK_DGRAM
    host, port = addr.rsplit(":", 1)
    return socket.socket(fam, t), (host.strip("[]"), int(port))

def stream(kind):
    return kind.startswith("tcp") or kind in ("unix-stream", "unix-seqpacket")

def bound(s):
    n = s.getsockname()
    if isinstance(n, bytes):  # an abstract name: its leading NUL written as @
        return "@" + n[1:].decode(errors="replace")
    return n[1] if isinstance(n, tuple) else n

job, kind, addr = sys.argv[1], sys.argv[2], sys.argv[3]
s, a = sock_for(kind, addr)
if job in ("serve", "sink"):
    try:
        s.bind(a)
    except OSError as e:
        say(errno=code(e)); sys.exit(0)
    if stream(kind):
        s.listen(16)
    say(bound=bound(s))
    if job == "serve":
        while True:
            if stream(kind):
                c, _ = s.accept(); c.send(b"served"); c.close()
            else:
                d, peer = s.recvfrom(70000)
                if peer: s.sendto(b"served", peer)
                say(received=len(d))
    elif stream(kind):
        c, _ = s.accept(); total = 0
        while True:
            d = c.recv(65536)
            if not d: break
            total += len(d)
        say(bytes=total)
    else:
        count = 0
        s.settimeout(None)
        while True:
            d = s.recv(70000)
            count += 1
            s.settimeout(1.0)
            try:
                while True:
                    s.recv(70000); count += 1
            except socket.timeout:
                break
        say(datagrams=count)
elif job in ("dial", "shout"):
    seconds = float(sys.argv[4])
    if kind == "unix-dgram" and len(sys.argv) > 5:
        s.bind(sys.argv[5])  # a file the server can answer, in the namespace the client is in
    s.settimeout(seconds)
    start = time.monotonic()
    ms = lambda: round((time.monotonic() - start) * 1000, 1)
    try:
        if job == "dial":
            s.connect(a)
            if not stream(kind):
                s.send(b"hello")
            d = s.recv(100)
            say(outcome="served" if d == b"served" else "EOF", ms=ms())
        else:
            s.sendto(b"hello", a)
            d = s.recv(100)
            say(outcome="served", ms=ms())
    except socket.timeout:
        say(errno="ETIMEDOUT" if job == "dial" else None, outcome=None if job == "dial" else "silence", ms=ms())
    except OSError as e:
        say(errno=code(e), ms=ms())
elif job == "source":
    n = int(sys.argv[4])
    try:
        s.connect(a)
        if stream(kind):
            s.sendall(b"x" * n); s.shutdown(socket.SHUT_WR); s.recv(1)
        else:
            for _ in range(n):
                s.send(b"x" * 100); time.sleep(0.001)
        say(sent=n)
    except OSError as e:
        say(errno=code(e))
elif job == "send":
    size = int(sys.argv[4])
    try:
        s.connect(a)
        say(sent=s.send(b"x" * size))
    except OSError as e:
        say(errno=code(e))
`;

/** What the peer prints, all optional: each job says some of these. */
export interface PeerSays {
  bound?: number | string;
  errno?: string | null;
  outcome?: string | null;
  ms?: number;
  received?: number;
  bytes?: number;
  datagrams?: number;
  sent?: number;
}

/** Start the peer inside `host` for `job`; its first line comes with peer.json<PeerSays>(). */
export function labPeer(context: ExperimentContext, host: Host, args: readonly string[]): ChildPeer {
  const lab = context.lab;
  if (!lab) throw new Error("a lab experiment ran without the lab: give --hosts two");
  const [command, full] = lab.inside(host, PYTHON, ["-c", PROGRAM, ...args]);
  return startChild(context, command, full);
}

/** Start a job and wait for its first line. */
export async function ask(
  context: ExperimentContext,
  host: Host,
  args: readonly string[],
  ms?: number,
): Promise<PeerSays> {
  return labPeer(context, host, args).json<PeerSays>(ms);
}
