import { existsSync, lstatSync, unlinkSync } from "node:fs";
import type { TransportName } from "../transports/transport.js";
import type { Experiment, ExperimentContext } from "./experiment.js";
import { python, traceChild } from "./kit/index.js";
import { bindDatagram, listen, outcomeOf } from "./sockets.js";

const PERSISTS = "file stays, rebind EADDRINUSE";

// The kernel's own behaviour, without Node's clean-up: bind (and listen), close, exit.
const BIND_AND_CLOSE = `
import socket, sys
kind, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, {"unix-stream": socket.SOCK_STREAM, "unix-dgram": socket.SOCK_DGRAM, "unix-seqpacket": socket.SOCK_SEQPACKET}[kind])
s.bind(path)
if kind != "unix-dgram":
    s.listen(1)
s.close()
print("closed", flush=True)
`;

export const unixPathPersists: Experiment = {
  name: "unix-path-persists",
  summary: "a unix socket's file outlives close(): the next bind() there fails until someone unlinks it",
  claim: {
    page: "unix(7)",
    section: "NOTES",
    text:
      "Binding to a socket with a filename creates a socket in the filesystem that must be deleted by " +
      "the caller when it is no longer needed (using unlink(2)).",
  },
  steps: [
    "a python3 child binds a path (and listens), then close()s and exits",
    "look for the file; bind (listen) there through our transport",
    "unlink() the file and bind again",
    "for comparison, close one of our own listeners and look for its file",
  ],
  expected: { "unix-stream": PERSISTS, "unix-dgram": PERSISTS, "unix-seqpacket": PERSISTS },
  notApplicable: "An IP address is not a file: nothing is left behind when an inet socket closes.",
  explain:
    "bind() made a file of type socket, and close() left it there; as long as it exists the path counts " +
    "as in use, so the next bind() failed with EADDRINUSE until the file was unlinked. Node hides this: " +
    "node:net (libuv) unlinks the path when a unix server closes, and our addon's transports do " +
    "the same by hand, because the kernel does not — but a process that is killed still leaves its file.",
  needs: { python3: ["unix-stream", "unix-dgram", "unix-seqpacket"] },
  async run(name, context) {
    const path = context.address("left");
    const via = "python3";
    await python(context, BIND_AND_CLOSE, name, path).line();
    traceChild(context, { side: "server", call: "bind", via, local: path });
    traceChild(context, { side: "server", call: "close", via, local: path });
    const left = existsSync(path) && lstatSync(path).isSocket();

    const rebind = await outcomeOf(bindOrListen(name, context, path));
    if (existsSync(path) && rebind !== "succeeded") unlinkSync(path);
    const afterUnlink =
      rebind === "succeeded" ? "not needed" : await outcomeOf(bindOrListen(name, context, path));

    const ours = context.address("ours");
    const closeOurs = await bindOrListen(name, context, ours);
    await closeOurs();
    const oursLeft = existsSync(ours);
    return {
      outcome:
        left && rebind === "EADDRINUSE" && afterUnlink === "succeeded"
          ? PERSISTS
          : `file ${left ? "stays" : "gone"}, rebind ${rebind}`,
      evidence: [
        `after python3's close(): ${path} ${left ? "is still there, a socket file" : "is gone"}`,
        `our ${name === "unix-dgram" ? "bind()" : "listen()"} there: ${rebind}; after unlink(): ${afterUnlink}`,
        `our own socket's file after close(): ${oursLeft ? "still there" : "gone"} — ${
          name === "unix-stream"
            ? "node:net (libuv) unlinks the path itself when the server closes"
            : "our transport unlinks it, because the kernel does not"
        }`,
      ],
    };
  },
};

/** Bind (datagram) or listen (stream, seqpacket) at `path`; resolves with how to close it. */
async function bindOrListen(
  name: TransportName,
  context: ExperimentContext,
  path: string,
): Promise<() => Promise<void>> {
  if (name === "unix-dgram") {
    const socket = await bindDatagram(name, context, path);
    return () => socket.close();
  }
  const listener = await listen(name, context, undefined, path);
  return () => listener.close();
}
