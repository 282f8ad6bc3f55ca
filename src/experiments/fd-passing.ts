import { closeSync, fstatSync, readlinkSync, readSync } from "node:fs";
import type { Received, UnixSocket } from "../transports/unix-addon/index.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { acceptWaiting, addonServer, python, traceChild } from "./kit/index.js";

/** What a run observes when the descriptor that arrived is the sender's open file, offset and all. */
const SAME_OPEN_FILE = "same open file, shared offset";

/** The line the sender writes into its file, and how much of it the sender reads itself first. */
const LINE = "only a descriptor leads to this line: its file is unlinked\n";
const SENDER_READS = 17;

/** The name the sender gives its file before unlinking it: /proc/self/fd/N still shows it, "(deleted)". */
export const PASSED_FILE = "passed-file.txt";

// The sender is python3 making the plain calls: it opens a file, writes LINE, reads the first
// SENDER_READS bytes of it back (its offset is now there), unlinks the file and sends the descriptor
// with SCM_RIGHTS (socket.send_fds: sendmsg). It connect()s even a datagram socket: Python 3.11's
// send_fds() drops its flags and address arguments (it calls sendmsg() with neither). It says what the
// file was (st_dev, st_ino) and, once told, where its own offset has got to.
const SENDER = `
import json, os, socket, sys
kind, path, file, line, head = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].encode(), int(sys.argv[5])
types = {"unix-stream": socket.SOCK_STREAM, "unix-dgram": socket.SOCK_DGRAM, "unix-seqpacket": socket.SOCK_SEQPACKET}
fd = os.open(file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, line)
os.lseek(fd, 0, os.SEEK_SET)
read = os.read(fd, head).decode()
os.unlink(file)
st = os.fstat(fd)
s = socket.socket(socket.AF_UNIX, types[kind])
s.connect(path)
socket.send_fds(s, [b"a file for you"], [fd])
print(json.dumps({"fd": fd, "dev": st.st_dev, "ino": st.st_ino, "read": read}), flush=True)
sys.stdin.readline()
print(json.dumps({"offset": os.lseek(fd, 0, os.SEEK_CUR)}), flush=True)
`;

interface SenderSaid {
  fd: number;
  dev: number;
  ino: number;
  read: string;
}

export const fdPassing: Experiment = {
  name: "fd-passing",
  summary: "SCM_RIGHTS passes an open file: the receiver reads it on from where the sender stopped",
  claim: {
    page: "unix(7)",
    section: "Ancillary messages",
    text:
      "SCM_RIGHTS Send or receive a set of open file descriptors from another process. [...] " +
      'Commonly, this operation is referred to as "passing a file descriptor" to another process. ' +
      "However, more accurately, what is being passed is a reference to an open file description",
  },
  steps: [
    "bind a server at a path with the playground's addon (node:net cannot receive a descriptor)",
    `a python3 peer opens a file, writes a line into it, reads the first ${SENDER_READS} bytes back, unlinks the ` +
      "file and sends the descriptor with socket.send_fds() (SCM_RIGHTS)",
    "receive it: a new descriptor; compare its file (st_dev, st_ino) with the sender's, read on from the " +
      "shared offset, close it, and ask the sender where its own offset is now",
  ],
  expected: {
    "unix-stream": SAME_OPEN_FILE,
    "unix-dgram": SAME_OPEN_FILE,
    "unix-seqpacket": SAME_OPEN_FILE,
  },
  notApplicable:
    "No inet socket can: a descriptor means something only inside this kernel, and only AF_UNIX carries " +
    "SCM_RIGHTS.",
  explain:
    "The kernel did not send a number: it installed a new descriptor in the receiver for the sender's " +
    "open file description. So the receiver reads a file that has no name any more, and both share one " +
    "offset: it read on from where the sender had stopped, and the sender's offset moved with it. The " +
    "descriptor is the receiver's to close, like any it opened; cmsg(3) builds the message that carries it.",
  needs: { python3: ["unix-stream", "unix-dgram", "unix-seqpacket"] },
  async run(name, context) {
    const path = context.address("server");
    const server = addonServer(context, name, path);
    const file = `${context.dir}/${PASSED_FILE}`;
    const sender = python(context, SENDER, name, path, file, LINE, String(SENDER_READS));
    const said = await sender.json<SenderSaid>();
    traceChild(context, { side: "client", call: "socket", via: "python3" });
    traceChild(context, { side: "client", call: "connect", via: "python3", remote: path });
    traceChild(context, {
      side: "client",
      call: "send",
      via: "python3 socket.send_fds()",
      remote: path,
      bytes: 14,
      preview: "a file for you",
      detail: `SCM_RIGHTS fd ${said.fd}`,
    });
    const socket = name === "unix-dgram" ? server : acceptWaiting(context, server);
    // The peer has sent: on AF_UNIX the message (and its descriptor) is queued when sendmsg() returns.
    const got = socket ? received(context, socket, name === "unix-dgram" ? "recvfrom" : "recv") : null;
    const fd = got?.fds[0];
    if (got === null || fd === undefined) {
      for (const extra of got?.fds ?? []) closeSync(extra);
      return { outcome: got ? "a message, but no descriptor" : "nothing arrived", evidence: [] };
    }
    let observation: Observation;
    try {
      observation = readPassed(fd, said);
    } finally {
      // A received descriptor is ours, as if we had opened it: close it, and any others that came.
      for (const each of got.fds) closeSync(each);
    }
    sender.say("where is your offset?");
    const { offset } = await sender.json<{ offset: number }>();
    const shared = offset === LINE.length;
    observation.evidence?.push(`the sender's own offset afterwards: ${offset} of ${LINE.length}`);
    if (observation.outcome === SAME_OPEN_FILE && !shared)
      observation.outcome = `offset not shared (sender at ${offset})`;
    return observation;
  },
};

/** recvmsg() of the one message the peer sent, on the ladder. */
function received(
  context: ExperimentContext,
  socket: UnixSocket,
  call: "recv" | "recvfrom",
): Received | null {
  const got = socket.recv(64);
  context.trace({
    side: "server",
    call,
    inferred: false,
    via: "the playground's addon",
    bytes: got?.length,
    preview: got?.data.toString(),
    detail: got ? `SCM_RIGHTS ${got.fds.length === 0 ? "none" : `fd ${got.fds.join(", ")}`}` : undefined,
    ...(got ? {} : { errno: "EAGAIN", message: "recvmsg() EAGAIN: nothing queued" }),
  });
  return got;
}

/** What the received descriptor leads to: the file (compared with the sender's) and what is left to read. */
function readPassed(fd: number, said: SenderSaid): Observation {
  const stat = fstatSync(fd);
  const link = readlinkSync(`/proc/self/fd/${fd}`);
  const buffer = Buffer.alloc(LINE.length * 2);
  // position null: read() at the descriptor's own offset, the one the sender moved.
  const rest = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, null)).toString();
  const sameFile = stat.dev === said.dev && stat.ino === said.ino;
  const outcome = !sameFile
    ? `another file (inode ${stat.ino}, the sender's ${said.ino})`
    : said.read + rest !== LINE
      ? `the same file, read from elsewhere: ${JSON.stringify(rest)}`
      : SAME_OPEN_FILE;
  return {
    outcome,
    evidence: [
      `the sender's fd ${said.fd}: st_dev ${said.dev}, st_ino ${said.ino}; it read ${JSON.stringify(said.read)}, then unlinked the file`,
      `received fd ${fd} -> ${link}: st_dev ${stat.dev}, st_ino ${stat.ino}, ${stat.nlink} links`,
      `read() on it from the shared offset: ${JSON.stringify(rest)}`,
    ],
  };
}
