import { readdirSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { UNIX_PATH_MAX } from "../transports/address.js";
import type { Experiment, ExperimentContext } from "./experiment.js";
import { python } from "./kit/index.js";
import { bindDatagram, listen, outcomeOf } from "./sockets.js";

/** Bytes in the path tried: well over sun_path's 108. */
const LENGTH = 120;

export const unixPathTooLong: Experiment = {
  name: "unix-path-too-long",
  summary: `a ${LENGTH}-byte path overflows sun_path: the kernel says EINVAL; Node cuts it, so on unix-stream the playground refuses first`,
  claim: {
    page: "unix(7)",
    section: "DESCRIPTION (Address format)",
    text: "The sun_family field always contains AF_UNIX. On Linux, sun_path is 108 bytes in size; see also BUGS, below.",
  },
  steps: [
    `make a path of ${LENGTH} bytes in a temp dir`,
    "ask the kernel: a python3 peer calls bind() with the whole path, a sockaddr longer than sockaddr_un",
    "bind (and listen) there through the playground: its addon passes the whole path on unix-dgram and " +
      "unix-seqpacket; on unix-stream it refuses the path first",
    "on unix-stream, why: raw node:net server.listen() with the same path, unchecked",
  ],
  expected: { "unix-stream": "EINVAL", "unix-dgram": "EINVAL", "unix-seqpacket": "EINVAL" },
  notApplicable: "TCP and UDP addresses have no path.",
  explain:
    "A pathname and its closing NUL must fit in sun_path's 108 bytes: given a longer address the kernel " +
    "answers EINVAL. The playground's addon (unix-dgram, unix-seqpacket) passes the whole path and reports " +
    "that answer. Through node:net the kernel is never asked: libuv silently cuts the path at 108 bytes, " +
    "binds that shorter name, and leaves the cut file behind on close, so on unix-stream the playground " +
    `refuses anything over ${UNIX_PATH_MAX} bytes before calling bind(), with ENAMETOOLONG, the name a ` +
    "path too long has elsewhere: that verdict differs, because of Node.",
  needs: { python3: ["unix-stream", "unix-dgram", "unix-seqpacket"] },
  async run(name, context) {
    const path = join(context.dir, "a".repeat(LENGTH - context.dir.length - 1));
    const kernel = (await python(context, KERNEL_BIND, name, path).json<string>()) ?? "no answer";
    const outcome =
      name === "unix-dgram"
        ? await outcomeOf(bindDatagram(name, context, path))
        : await outcomeOf(listen(name, context, undefined, path));
    // On unix-stream the check is the playground's own: the kernel was never asked, so it is drawn as
    // a refusal, not as a bind() that failed. The addon's transports draw their own failed bind().
    if (outcome !== "succeeded" && name === "unix-stream") {
      context.trace({
        side: "server",
        call: "refused",
        inferred: false,
        via: "the playground's path check",
        local: path,
        detail: "bind",
        errno: outcome,
        message: `the ${LENGTH}-byte path does not fit sun_path (at most ${UNIX_PATH_MAX} bytes): no bind() made`,
      });
    }
    const said =
      outcome === "succeeded"
        ? "bound"
        : name === "unix-stream"
          ? `refused with ${outcome}, before any bind()`
          : `bind() with the whole ${LENGTH}-byte path, through its addon: ${outcome}`;
    const raw = name === "unix-stream" ? await rawNetListen(context, path) : [];
    const evidence = [
      `the kernel (python3, bind() with the whole ${LENGTH}-byte path): ${kernel}`,
      `playground: ${said}`,
      ...raw,
    ];
    if (outcome === kernel) return { outcome, evidence };
    // On unix-stream the kernel never sees the path, because node:net would cut it.
    const bentBy =
      name === "unix-stream"
        ? "the playground, which refuses the path because node:net would cut it"
        : "the playground";
    return { outcome, evidence, bentBy };
  },
};

/** bind() with a sockaddr_un longer than the struct: what the kernel says (python's own check skipped). */
const KERNEL_BIND = `
import ctypes, errno, json, socket, struct, sys
kind = {"unix-stream": socket.SOCK_STREAM, "unix-dgram": socket.SOCK_DGRAM}.get(sys.argv[1], socket.SOCK_SEQPACKET)
s = socket.socket(socket.AF_UNIX, kind)
libc = ctypes.CDLL(None, use_errno=True)
libc.bind.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
address = struct.pack("H", socket.AF_UNIX) + sys.argv[2].encode() + b"\\0"
failed = libc.bind(s.fileno(), ctypes.create_string_buffer(address, len(address)), len(address))
print(json.dumps(errno.errorcode[ctypes.get_errno()] if failed else "succeeded"), flush=True)
`;

/** node:net with no length check, as any Node program would call it. */
async function rawNetListen(context: ExperimentContext, path: string): Promise<string[]> {
  const via = "server.listen()";
  const server = net.createServer();
  context.defer(() => new Promise((done) => server.close(done)));
  context.trace({ side: "server", call: "socket", inferred: true, via });
  const listening = await new Promise<string>((resolve) => {
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "EIO"));
    server.listen(path, () => resolve("listening"));
  });
  if (listening !== "listening") {
    context.trace({ side: "server", call: "bind", inferred: true, via, local: path, errno: listening });
    return [`raw node:net server.listen(): ${listening}`];
  }
  const made = readdirSync(context.dir).map((file) => join(context.dir, file));
  context.trace({ side: "server", call: "bind", inferred: true, via, local: made[0] ?? path });
  context.trace({ side: "server", call: "listen", inferred: true, via, local: made[0] ?? path });
  await new Promise((done) => server.close(done));
  context.trace({
    side: "server",
    call: "close",
    inferred: false,
    via: "server.close()",
    local: made[0] ?? path,
  });
  const left = readdirSync(context.dir).length;
  return [
    `raw node:net server.listen(): listening; address() says the ${Buffer.byteLength(String(server.address() ?? path))}-byte path`,
    ...made.map((file) => `the socket file made: ${Buffer.byteLength(file)} bytes, ${file}`),
    `after server.close(): ${left} file${left === 1 ? "" : "s"} left (Node unlinked the ${LENGTH}-byte name, which does not exist)`,
  ];
}
