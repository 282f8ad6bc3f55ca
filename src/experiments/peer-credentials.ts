import type { Credentials, UnixSocket } from "../transports/unix-addon/index.js";
import { loadNative } from "../transports/unix-addon/index.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { acceptWaiting, addonServer, type ChildPeer, python, traceChild } from "./kit/index.js";

/** What a run observes when the credentials the kernel gave are the peer's own. */
const PEERS_OWN = "pid, uid, gid of the peer";

/** A pid no process claims by accident: init's. Only a privileged sender may put it on a message. */
const CLAIMED_PID = 1;

// The peer is python3 making the plain calls: it says who it is (os.getpid(), os.getuid(), os.getgid())
// once it has connect()ed, or once it has sent its datagrams: a plain one, for which the kernel fills in
// the credentials itself, one claiming its own (allowed to anyone), and one claiming pid 1 (allowed
// only to a sender with CAP_SYS_ADMIN).
const PEER = `
import errno, json, os, socket, struct, sys
kind, path, claimed = sys.argv[1], sys.argv[2], int(sys.argv[3])
types = {"unix-stream": socket.SOCK_STREAM, "unix-dgram": socket.SOCK_DGRAM, "unix-seqpacket": socket.SOCK_SEQPACKET}
s = socket.socket(socket.AF_UNIX, types[kind])
me = {"pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid()}
def claim(text, pid):
    ucred = struct.pack("iII", pid, me["uid"], me["gid"])
    try:
        s.sendmsg([text], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, ucred)], 0, path)
        return "sent"
    except OSError as err:
        return errno.errorcode.get(err.errno, str(err.errno))
if kind == "unix-dgram":
    s.sendto(b"plain", path)
    me["own"] = claim(b"own", me["pid"])
    me["claimed"] = claim(b"claimed", claimed)
else:
    s.connect(path)
print(json.dumps(me), flush=True)
sys.stdin.readline()
`;

interface PeerSaid extends Credentials {
  /** unix-dgram: what sendmsg() with SCM_CREDENTIALS said, claiming its own, and claiming pid 1. */
  own?: string;
  claimed?: string;
}

export const peerCredentials: Experiment = {
  name: "peer-credentials",
  summary:
    "a unix socket learns who its peer is, pid, uid and gid, from the kernel: SO_PEERCRED, SCM_CREDENTIALS",
  claim: {
    page: "unix(7)",
    section: "Socket options",
    text:
      "SO_PEERCRED This read-only socket option returns the credentials of the peer process connected " +
      "to this socket. The returned credentials are those that were in effect at the time of the call " +
      "to connect(2) or socketpair(2).",
  },
  steps: [
    "bind a server at a path with the playground's addon (node:net has no SO_PEERCRED); unix-dgram: turn on SO_PASSCRED",
    "start a python3 peer that connect()s (stream, seqpacket), or sends a plain datagram, one claiming " +
      `its own credentials and one claiming pid ${CLAIMED_PID} (dgram); it prints os.getpid(), os.getuid(), os.getgid()`,
    "accept() and read SO_PEERCRED, or read each datagram's SCM_CREDENTIALS, and compare with what the peer printed",
  ],
  expected: {
    "unix-stream": PEERS_OWN,
    "unix-dgram": PEERS_OWN,
    "unix-seqpacket": PEERS_OWN,
  },
  notApplicable:
    "No inet socket can: a TCP or UDP peer is an address and a port, and the kernel says nothing of the " +
    "process behind them (it may be on another machine).",
  explain:
    "On a unix socket both ends are processes of this kernel, so it can vouch for them: it recorded the " +
    "client's pid, uid and gid when it connect()ed, and SO_PEERCRED reads them back; no message is " +
    "needed and the peer cannot lie. On datagrams, a receiver with SO_PASSCRED gets the sender's " +
    "credentials with each one (SCM_CREDENTIALS): the kernel fills them in, and a sender that claims " +
    "someone else's pid is refused with EPERM unless it is privileged (CAP_SYS_ADMIN, which root has). " +
    "node:net offers neither, so this runs on the playground's own addon, on all three types.",
  needs: { python3: ["unix-stream", "unix-dgram", "unix-seqpacket"] },
  async run(name, context) {
    const path = context.address("server");
    const server = addonServer(context, name, path);
    const dgram = name === "unix-dgram";
    if (dgram) {
      const { SOL_SOCKET, SO_PASSCRED } = loadNative().constants;
      server.setsockopt(SOL_SOCKET, SO_PASSCRED, 1);
    }
    const peer = python(context, PEER, name, path, String(CLAIMED_PID));
    const said = await peer.json<PeerSaid>();
    const spawned = `python3 peer, spawned as pid ${peer.pid}: os.getpid() ${said.pid}, os.getuid() ${said.uid}, os.getgid() ${said.gid}`;
    return dgram
      ? datagramCredentials(context, server, said, spawned)
      : connectionCredentials(context, server, peer, said, spawned);
  },
};

function connectionCredentials(
  context: ExperimentContext,
  listener: UnixSocket,
  peer: ChildPeer,
  said: PeerSaid,
  spawned: string,
): Observation {
  traceChild(context, { side: "client", call: "socket", via: "python3" });
  traceChild(context, { side: "client", call: "connect", via: "python3", remote: context.address("server") });
  const accepted = acceptWaiting(context, listener);
  if (!accepted) return { outcome: "no connection to accept", evidence: [spawned] };
  const cred = accepted.peercred();
  peer.say("done");
  return {
    outcome: credentialsOutcome(cred, said),
    evidence: [spawned, `SO_PEERCRED on the accepted socket: ${credentialsText(cred)}`],
  };
}

function datagramCredentials(
  context: ExperimentContext,
  receiver: UnixSocket,
  said: PeerSaid,
  spawned: string,
): Observation {
  const path = context.address("server");
  traceChild(context, { side: "client", call: "socket", via: "python3" });
  traceChild(context, {
    side: "client",
    call: "sendto",
    via: "python3",
    remote: path,
    bytes: 5,
    preview: "plain",
  });
  const claims = [
    ["own", said.own],
    ["claimed", said.claimed],
  ] as const;
  for (const [text, result] of claims) {
    const failed = result === "sent" ? {} : { errno: result };
    const detail = `SCM_CREDENTIALS pid ${text === "own" ? said.pid : CLAIMED_PID}`;
    traceChild(context, {
      side: "client",
      call: "sendto",
      via: "python3",
      remote: path,
      bytes: text.length,
      preview: text,
      detail,
      ...failed,
    });
  }
  // A unix datagram is in the receiver's queue when sendto() returns: the peer has spoken, so every
  // datagram it sent is there to read now.
  const arrived = new Map<string, Credentials | undefined>();
  for (let got = receiver.recv(64); got; got = receiver.recv(64)) {
    const text = got.data.toString();
    const detail = got.cred ? `SCM_CREDENTIALS pid ${got.cred.pid}` : "no SCM_CREDENTIALS";
    context.trace({
      side: "server",
      call: "recvfrom",
      inferred: false,
      via: "the playground's addon",
      bytes: got.length,
      preview: text,
      detail,
    });
    arrived.set(text, got.cred);
  }
  const plain = arrived.get("plain");
  const own = arrived.get("own");
  const outcomes = [credentialsOutcome(plain, said), credentialsOutcome(own, said)];
  const claimed = arrived.has("claimed")
    ? `arrived with ${credentialsText(arrived.get("claimed"))} (the peer is privileged: CAP_SYS_ADMIN may claim any pid)`
    : `refused: sendmsg() ${said.claimed}`;
  return {
    outcome: outcomes.find((o) => o !== PEERS_OWN) ?? PEERS_OWN,
    evidence: [
      spawned,
      `SCM_CREDENTIALS of the plain datagram (the kernel filled them in): ${credentialsText(plain)}`,
      `of the one claiming its own (sendmsg() ${said.own}): ${credentialsText(own)}`,
      `the one claiming pid ${CLAIMED_PID}: ${claimed}`,
    ],
  };
}

/** PEERS_OWN when the kernel's credentials are the peer's own, else what differs. */
function credentialsOutcome(kernel: Credentials | undefined, peer: Credentials): string {
  if (!kernel) return "no credentials";
  const wrong = (["pid", "uid", "gid"] as const)
    .filter((field) => kernel[field] !== peer[field])
    .map((field) => `${field} ${kernel[field]}, not the peer's ${peer[field]}`);
  return wrong.length === 0 ? PEERS_OWN : wrong.join("; ");
}

function credentialsText(cred: Credentials | undefined): string {
  return cred ? `pid ${cred.pid}, uid ${cred.uid}, gid ${cred.gid}` : "none";
}
