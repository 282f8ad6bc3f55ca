// SOCK_SEQPACKET in AF_UNIX: connections like a stream, records like datagrams (unix(7)). Node has no
// such socket, so it comes from the playground's own addon, through unix-addon/.
//
// A path or an @name, which the addon passes at its exact length. Unlike node:net, the kernel leaves
// the socket file behind on close, so our listener removes the file it made.
import { rm } from "node:fs/promises";
import type { OpError } from "../errors.js";
import type { Trace } from "../trace/events.js";
import { describeUnix, isAbstract } from "./address.js";
import { factsOf } from "./facts.js";
import { placedDetail, traceClose, traceSetupFailure } from "./setup-trace.js";
import { placeListener } from "./socket-file.js";
import type { ConnectionTransport } from "./transport.js";
import { addonKernelPath, connectSeqpacket, listenSeqpacket } from "./unix-addon/index.js";

/** The call that makes the socket() of ours: the addon's constructor. */
const SOCKET_VIA = "new UnixSocket(SOCK_SEQPACKET)";

export const unixSeqpacket: ConnectionTransport = {
  ...factsOf("unix-seqpacket"),
  kind: "connection",
  async listen(address, onConnection, trace, options) {
    const path = addonKernelPath(address, "unix-seqpacket", "listen");
    const bound = describeUnix(path);
    // socket() inside the constructor, then our own bind() and listen(); `at` is where the socket is
    // bound (a private name when placed).
    const listenAt = async (at: string, trace: Trace) => {
      const socketCall = { side: "server", call: "socket", inferred: false, via: SOCKET_VIA } as const;
      try {
        const server = listenSeqpacket(at, { transport: "unix-seqpacket", address: bound }, onConnection);
        const placed = at === path ? {} : { requested: at, detail: placedDetail(at) };
        trace(socketCall);
        trace({
          side: "server",
          call: "bind",
          inferred: false,
          via: "socket.bind()",
          local: bound,
          ...placed,
        });
        const backlog = { detail: "backlog 4096" };
        trace({
          side: "server",
          call: "listen",
          inferred: false,
          via: "socket.listen()",
          local: bound,
          ...backlog,
        });
        return server;
      } catch (err) {
        trace(socketCall);
        const failed = (err as OpError).op === "listen" ? "listen" : "bind";
        traceSetupFailure(trace, err as OpError, {
          side: "server",
          call: failed,
          inferred: false,
          via: `socket.${failed}()`,
          local: bound,
        });
        throw err;
      }
    };
    let server: { close(): void };
    // The kernel does not unlink a socket file on close: we do, only our own.
    let removeFile: () => Promise<void> | void;
    // An @name has no file: nothing to place with a mode, nothing to remove.
    if (options?.socketFile && !isAbstract(address)) {
      const placed = await placeListener(
        trace,
        path,
        options.socketFile.mode,
        "unix-seqpacket",
        listenAt,
        (listening) => listening.close(),
      );
      server = placed.value;
      removeFile = placed.remove;
    } else {
      server = await listenAt(path, trace);
      // A file left behind would make the next listen() here fail with EADDRINUSE.
      removeFile = isAbstract(address) ? () => {} : () => rm(path, { force: true });
    }
    // Closing twice closes once: a second removal could take a newer socket's file.
    let closing: Promise<void> | undefined;
    const close = async () => {
      traceClose(trace, "server", "server.close()", bound);
      server.close();
      await removeFile();
    };
    return { address: bound, close: () => (closing ??= close()) };
  },
  async dial(address, trace) {
    const path = addonKernelPath(address, "unix-seqpacket", "connect");
    trace({ side: "client", call: "socket", inferred: false, via: SOCKET_VIA });
    const t = trace.now();
    try {
      const connection = await connectSeqpacket(path, { transport: "unix-seqpacket", address });
      trace({
        t,
        side: "client",
        call: "connect",
        inferred: false,
        via: "socket.connect()",
        remote: address,
      });
      return connection;
    } catch (err) {
      traceSetupFailure(trace, err as OpError, {
        side: "client",
        call: "connect",
        inferred: false,
        via: "socket.connect()",
        remote: address,
      });
      throw err;
    }
  },
};
