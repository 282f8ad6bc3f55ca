import { readdirSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { UNIX_PATH_MAX } from "../transports/address.js";
import type { TransportName } from "../transports/transport.js";
import { listenSeqpacket, openDgram } from "../transports/unix-addon/index.js";
import type { Experiment, ExperimentContext } from "./experiment.js";
import { python } from "./kit/index.js";
import { bindDatagram, listen, outcomeOf } from "./sockets.js";

/** Bytes in the path tried: well over sun_path's 108. */
const LENGTH = 120;

export const unixPathTooLong: Experiment = {
  name: "unix-path-too-long",
  summary: `a ${LENGTH}-byte path overflows sun_path: the kernel says EINVAL; the playground refuses first, Node cuts it`,
  claim: {
    page: "unix(7)",
    section: "DESCRIPTION (Address format)",
    text: "The sun_family field always contains AF_UNIX. On Linux, sun_path is 108 bytes in size; see also BUGS, below.",
  },
  steps: [
    `make a path of ${LENGTH} bytes in a temp dir`,
    "ask the kernel: a python3 peer calls bind() with the whole path, a sockaddr longer than sockaddr_un",
    "bind (and listen) there through the playground",
    "then the same with what is underneath, unchecked: node:net server.listen(), or the playground's addon's bind()",
  ],
  expected: { "unix-stream": "EINVAL", "unix-dgram": "EINVAL", "unix-seqpacket": "EINVAL" },
  notApplicable: "TCP and UDP addresses have no path.",
  explain:
    "A pathname and its closing NUL must fit in sun_path's 108 bytes: given a longer address the kernel " +
    `answers EINVAL. Through Node it is never asked. The playground refuses anything over ${UNIX_PATH_MAX} ` +
    "bytes before calling bind(), with ENAMETOOLONG, the name a path too long has elsewhere; raw node:net " +
    "does not refuse: it silently cuts the path at 108 bytes, binds that shorter name, and leaves the cut " +
    "file behind on close. The playground's addon refuses too (ENAMETOOLONG, as libuv's uv_pipe_bind " +
    "does): such a name cannot be put in a sockaddr_un at all.",
  needs: { python3: ["unix-stream", "unix-dgram", "unix-seqpacket"] },
  async run(name, context) {
    const path = join(context.dir, "a".repeat(LENGTH - context.dir.length - 1));
    const kernel = (await python(context, KERNEL_BIND, name, path).json<string>()) ?? "no answer";
    const outcome =
      name === "unix-dgram"
        ? await outcomeOf(bindDatagram(name, context, path))
        : await outcomeOf(listen(name, context, undefined, path));
    // The check is the playground's own: the kernel was never asked, so it is drawn as a refusal,
    // not as a bind() that failed.
    if (outcome !== "succeeded") {
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
    const raw =
      name === "unix-stream" ? await rawNetListen(context, path) : rawAddonBind(name, context, path);
    const evidence = [
      `the kernel (python3, bind() with the whole ${LENGTH}-byte path): ${kernel}`,
      `playground: ${outcome === "succeeded" ? "bound" : `refused with ${outcome}, before any bind()`}`,
      ...raw,
    ];
    // The kernel never sees the path: what we observe is the playground's own refusal.
    const bentBy = "the playground";
    return outcome === kernel ? { outcome, evidence } : { outcome, evidence, bentBy };
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

/** The playground's addon, called without the transports' check in front. */
function rawAddonBind(name: TransportName, context: ExperimentContext, path: string): string[] {
  const errorContext = { transport: name, address: path };
  const via = "socket.bind()";
  context.trace({
    side: "server",
    call: "socket",
    inferred: true,
    via: name === "unix-dgram" ? "new UnixSocket(SOCK_DGRAM)" : "new UnixSocket(SOCK_SEQPACKET)",
  });
  try {
    const socket =
      name === "unix-dgram" ? openDgram(path, errorContext) : listenSeqpacket(path, errorContext, () => {});
    context.defer(() => socket.close());
  } catch (err) {
    const said = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
    // The addon checks the length itself: strace shows no bind() at all, so none is drawn.
    context.trace({
      side: "server",
      call: "refused",
      inferred: false,
      via: `the addon's ${via}`,
      local: path,
      detail: "bind",
      errno: (err as { code?: string }).code,
      message: said,
    });
    return [`the addon's ${via}, unchecked: threw "${said}" (no bind() made: sun_path cannot hold the name)`];
  }
  context.trace({ side: "server", call: "bind", inferred: false, via, local: path });
  return [`the addon's ${via}, unchecked: bound, files now: ${readdirSync(context.dir).join(", ")}`];
}
