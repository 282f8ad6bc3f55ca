// The addon against peers we did not write: python3's socket module, which passes an abstract name at
// its exact length and reads SO_PEERCRED and SCM_CREDENTIALS straight from the kernel.
import { afterEach, describe, expect, it } from "vitest";
import {
  abstractName,
  C,
  closeAll,
  name,
  pythonPeer,
  recvWhenReady,
  socket,
  whenReadable,
} from "../helpers/native.js";

afterEach(closeAll);

/** python3: `at` as the kernel name python uses for "@name": "\0name", exact length. */
const PRELUDE = `
import os, socket, struct, sys
at = "\\0" + sys.argv[1][1:]
`;

describe("exact-length abstract names meet a python3 peer", () => {
  it("unix-dgram: python binds, we send; we bind, python sends back", async () => {
    const [ours, theirs] = [abstractName("ours"), abstractName("theirs")];
    const us = socket(C.SOCK_DGRAM);
    us.bind(name(ours));
    const peer = await pythonPeer(
      `${PRELUDE}
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(at)
print("ready", flush=True)
data, sender = s.recvfrom(100)
s.sendto(b"back:" + data, sender)
print(repr(sender), flush=True)`,
      [theirs],
    );
    expect(peer.first).toBe("ready");
    us.send(Buffer.from("hi"), name(theirs));
    const got = await recvWhenReady(us);
    expect(got.data.toString()).toBe("back:hi");
    expect(got.from).toEqual(name(theirs));
    // Python saw our name exactly: the bytes, and nothing padded after them.
    expect((await peer.lines.next()).value).toBe(`b'\\x00${ours.slice(1)}'`);
  });

  it("unix-seqpacket: python listens and we connect; we listen and python connects", async () => {
    const [ours, theirs] = [abstractName("ours"), abstractName("theirs")];
    const listener = socket(C.SOCK_SEQPACKET);
    listener.bind(name(ours));
    listener.listen(4);
    const peer = await pythonPeer(
      `${PRELUDE}
l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
l.bind(at)
l.listen(4)
print("ready", flush=True)
c, _ = l.accept()
c.send(b"from python's listener")
d = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
d.connect("\\0" + sys.argv[2][1:])
d.send(b"from python's client")
print("sent", flush=True)
sys.stdin.read()`,
      [theirs, ours],
    );
    expect(peer.first).toBe("ready");
    const client = socket(C.SOCK_SEQPACKET);
    client.connect(name(theirs));
    expect((await recvWhenReady(client)).data.toString()).toBe("from python's listener");
    expect((await peer.lines.next()).value).toBe("sent");
    let accepted = listener.accept();
    if (!accepted) {
      await whenReadable(listener);
      accepted = listener.accept();
    }
    expect(accepted).not.toBeNull();
    if (!accepted) return;
    expect((await recvWhenReady(accepted)).data.toString()).toBe("from python's client");
    accepted.close();
  });
});

describe("credentials the kernel vouches for", () => {
  it("SO_PEERCRED: each side learns the other process's pid, uid and gid", async () => {
    const at = abstractName("cred");
    const listener = socket(C.SOCK_SEQPACKET);
    listener.bind(name(at));
    listener.listen(4);
    const peer = await pythonPeer(
      `${PRELUDE}
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(at)
pid, uid, gid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
print(os.getpid(), os.getuid(), os.getgid(), pid, uid, gid, flush=True)
sys.stdin.read()`,
      [at],
    );
    const [pid, uid, gid, sawPid, sawUid, sawGid] = peer.first.split(" ").map(Number);
    expect(pid).toBe(peer.child.pid);
    const accepted = listener.accept();
    expect(accepted?.peercred()).toEqual({ pid, uid, gid });
    // And python saw us: SO_PEERCRED of a connect()ed socket is the listener's owner at listen().
    expect([sawPid, sawUid, sawGid]).toEqual([process.pid, process.getuid?.(), process.getgid?.()]);
    accepted?.close();
  });

  it("SCM_CREDENTIALS: with SO_PASSCRED on, every datagram says who sent it", async () => {
    const at = abstractName("passcred");
    const us = socket(C.SOCK_DGRAM);
    us.bind(name(at));
    us.setsockopt(C.SOL_SOCKET, C.SO_PASSCRED, 1);
    const peer = await pythonPeer(
      `${PRELUDE}
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"who am I", at)
print(os.getpid(), os.getuid(), os.getgid(), flush=True)
sys.stdin.read()`,
      [at],
    );
    const [pid, uid, gid] = peer.first.split(" ").map(Number);
    const got = await recvWhenReady(us);
    expect(got.data.toString()).toBe("who am I");
    expect(got.cred).toEqual({ pid, uid, gid });
    expect(pid).toBe(peer.child.pid);
  });
});
