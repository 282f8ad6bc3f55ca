// SOCK_SEQPACKET in AF_UNIX: connections like a stream, records like datagrams (unix(7)). Node has no
// such socket, so it comes from node-unix-socket, through unix-addon/, which keeps that library's
// sharp edges to itself.
//
// Paths only: the library cuts an abstract @name at its leading NUL (address.ts, whyNoAbstract), and unlike
// node:net it leaves the socket file behind on close, so our listener removes the file it made.
import { rm } from "node:fs/promises";
import type { OpError } from "../errors.js";
import type { Trace } from "../trace/events.js";
import { describeUnix } from "./address.js";
import { factsOf } from "./facts.js";
import { placedDetail, traceClose, traceListen, traceSetupFailure } from "./setup-trace.js";
import { placeListener } from "./socket-file.js";
import type { ConnectionTransport } from "./transport.js";
import { addonKernelPath, connectSeqpacket, listenSeqpacket } from "./unix-addon/index.js";

export const unixSeqpacket: ConnectionTransport = {
  ...factsOf("unix-seqpacket"),
  kind: "connection",
  async listen(address, onConnection, trace, options) {
    const path = addonKernelPath(address, "unix-seqpacket", "listen");
    const bound = describeUnix(path);
    // The library binds synchronously inside listen(); `at` is where (a private name when placed).
    const listenAt = async (at: string, trace: Trace) => {
      try {
        const server = listenSeqpacket(at, { transport: "unix-seqpacket", address: bound }, onConnection);
        const placed = at === path ? {} : { requested: at, detail: placedDetail(at) };
        traceListen(trace, "server.listen()", bound, "new SeqpacketServer()", placed);
        return server;
      } catch (err) {
        trace({ side: "server", call: "socket", inferred: true, via: "new SeqpacketServer()" });
        traceSetupFailure(trace, err as OpError, {
          side: "server",
          inferred: true,
          via: "server.listen()",
          local: bound,
        });
        throw err;
      }
    };
    let server: { close(): void };
    // The library does not unlink its socket file on close: we do, only our own.
    let removeFile: () => Promise<void> | void;
    if (options?.socketFile) {
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
      removeFile = () => rm(path, { force: true });
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
    trace({ side: "client", call: "socket", inferred: true, via: "new SeqpacketSocket()" });
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
