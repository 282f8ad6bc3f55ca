import type { Experiment } from "./experiment.js";
import { python, traceChild, traceSend, watch } from "./kit/index.js";
import { dial } from "./sockets.js";

const DATA = Buffer.from("never read");

// The closing side is a python3 peer: Node reads whatever arrives into its own buffer at once, so a
// Node socket (unless paused) never closes with data unread in the kernel. The peer first asks the
// kernel itself, with a python3 client of its own; then it serves our two connections: the first it
// closes unread, waiting with MSG_PEEK until the data is there; the second it reads first.
const CLOSER = `
import errno, fcntl, json, socket, struct, sys, termios
kind, where = sys.argv[1], sys.argv[2]
family = {"tcp4": socket.AF_INET, "tcp6": socket.AF_INET6}.get(kind, socket.AF_UNIX)
stype = socket.SOCK_SEQPACKET if kind == "unix-seqpacket" else socket.SOCK_STREAM
listener = socket.socket(family, stype)
listener.bind(where if family == socket.AF_UNIX else (where, 0))
listener.listen(2)
def close_unread():
    peer, _ = listener.accept()
    peer.recv(1, socket.MSG_PEEK)
    queued = struct.unpack("i", fcntl.ioctl(peer, termios.FIONREAD, bytes(4)))[0]
    peer.close()
    return queued
own = socket.socket(family, stype)
own.connect(listener.getsockname())
own.send(b"${DATA}")
close_unread()
try:
    kernel = "read %d B" % len(own.recv(100))
except OSError as err:
    kernel = errno.errorcode[err.errno]
own.close()
print(json.dumps({"address": listener.getsockname() if family == socket.AF_UNIX else listener.getsockname()[1], "kernel": kernel}), flush=True)
print(json.dumps(close_unread()), flush=True)
drained, _ = listener.accept()
read = len(drained.recv(65536))
drained.close()
print(json.dumps(read), flush=True)
`;

export const closeUnreadRst: Experiment = {
  name: "close-unread-rst",
  summary: "closing a socket with data still unread resets the connection: the peer gets ECONNRESET",
  claim: {
    page: "unix(7)",
    section: "ERRORS",
    text: "ECONNRESET Remote socket was unexpectedly closed.",
  },
  steps: [
    `connect to a python3 peer and send "${DATA}"`,
    "the peer waits until the data is there (MSG_PEEK), and close()s without reading it",
    "see how the connection ends for us; then once more with a peer that reads first",
  ],
  expected: {
    tcp4: "ECONNRESET",
    tcp6: "ECONNRESET",
    "unix-stream": "ECONNRESET",
    "unix-seqpacket": "ECONNRESET",
  },
  notApplicable: "A datagram socket has no connection to reset: unread datagrams are simply freed.",
  explain:
    "Data nobody will ever read is a loss the sender should hear about, so the kernel ends such a " +
    "connection with a reset instead of a FIN (RFC 1122, 4.2.2.13; unix sockets do the same), and the " +
    "peer's next read fails with ECONNRESET; after a close() that left nothing unread the peer reads a " +
    "plain EOF. On unix-seqpacket the playground's addon asks the socket which error it holds (SO_ERROR) " +
    "when the poll reports one, instead of libuv's stand-in EBADF.",
  needs: { python3: ["tcp4", "tcp6", "unix-stream", "unix-seqpacket"] },
  async run(name, context) {
    const local = name === "tcp4" ? "127.0.0.1" : name === "tcp6" ? "::1" : context.address("peer");
    const peer = python(context, CLOSER, name, local);
    const { address: where, kernel } = await peer.json<{ address: number | string; kernel: string }>();
    const address =
      typeof where === "number" ? (name === "tcp6" ? `[::1]:${where}` : `127.0.0.1:${where}`) : where;
    traceChild(context, {
      side: "server",
      call: "listen",
      via: "python3",
      local: address,
      detail: "backlog 2",
    });

    const connectAndSend = async () => {
      const client = await dial(name, context, address);
      const saw = watch(client);
      await client.write(DATA);
      traceSend(context, {
        side: "client",
        call: "send",
        via: "socket.write()",
        data: DATA,
      });
      return saw;
    };
    const unread = await connectAndSend();
    const queued = await peer.json<number>();
    traceChild(context, { side: "server", call: "close", via: "python3", detail: `${queued} B unread` });
    // A reset closes our socket with an error; EOF alone would not close it (allowHalfOpen).
    const outcome = await unread.closed(1000);

    const drained = await connectAndSend();
    const read = await peer.json<number>();
    await drained.ended(1000);
    const drainedError = await drained.closed(0);
    return {
      outcome: outcome === "open" ? "no error" : outcome,
      evidence: [
        `the kernel: a python3 client of the same kind, whose peer closed unread, got ${kernel} from recv()`,
        `the peer closed with ${queued} B unread (FIONREAD): we read ${unread.seen.join(", ") || "nothing"}, ` +
          `and the socket closed with ${outcome}`,
        `for comparison, a peer that read its ${read} B before close(): we read ` +
          `${drained.seen.join(", ") || "nothing"}, ${drainedError === "open" || drainedError === "closed" ? "no error" : drainedError}`,
      ],
    };
  },
};
