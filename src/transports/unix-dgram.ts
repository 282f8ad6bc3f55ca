// SOCK_DGRAM in AF_UNIX, from the playground's own addon through unix-addon/. Unlike UDP it is
// reliable and ordered on Linux: when the receiver's queue is full the sender waits (EAGAIN) instead
// of the kernel dropping datagrams (unix(7), net.unix.max_dgram_qlen), and unix-addon/dgram.ts waits.
//
// A path or an @name, which the addon passes at its exact length. The kernel does not unlink socket
// files on close, so each socket here removes the file it bound when it closes.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { OpError } from "../errors.js";
import { tempDir } from "../leftovers.js";
import type { Trace } from "../trace/events.js";
import { isAbstract } from "./address.js";
import { factsOf } from "./facts.js";
import { traceClose, traceSetupFailure } from "./setup-trace.js";
import { placeSocketFile } from "./socket-file.js";
import type { DatagramSocket, DatagramTransport, Side } from "./transport.js";
import { addonKernelPath, openDgram } from "./unix-addon/index.js";

export const unixDgram: DatagramTransport = {
  ...factsOf("unix-dgram"),
  kind: "datagram",
  async bind(address, trace, options) {
    const path = addonKernelPath(address, "unix-dgram", "bind");
    // An @name has no file: nothing to place with a mode, nothing to remove.
    if (!options?.socketFile || isAbstract(address)) {
      const remove = isAbstract(address) ? () => {} : () => rm(path, { force: true });
      return removingOnClose(bound(path, address, "server", trace), remove, "server", trace);
    }
    const bindHere = async () => bound(path, address, "server", trace);
    const placed = await placeSocketFile(
      path,
      options.socketFile.mode,
      "unix-dgram",
      bindHere,
      (socket) => socket.close(),
      true,
    );
    return removingOnClose(placed.value, placed.remove, "server", trace);
  },
  // A unix datagram client must bind a name of its own or the server has nowhere to answer: its
  // recvfrom() gets an empty address (unix(7)), and Linux does not autobind on sendto(). So it binds
  // a path in a private temp dir, which close() removes again.
  async open(server, trace) {
    addonKernelPath(server, "unix-dgram", "connect"); // refuse what we could never send to, before making files
    const dir = tempDir("playground-");
    const path = join(dir.path, "client.sock");
    try {
      const socket = bound(addonKernelPath(path, "unix-dgram", "bind"), path, "client", trace);
      return removingOnClose(socket, dir.remove, "client", trace);
    } catch (err) {
      dir.remove();
      throw err;
    }
  },
};

function bound(kernelPath: string, address: string, side: Side, trace: Trace): DatagramSocket {
  trace({ side, call: "socket", inferred: false, via: "new UnixSocket(SOCK_DGRAM)" });
  try {
    const socket = openDgram(kernelPath, { transport: "unix-dgram", address });
    const detail = side === "client" ? "so that the server can answer" : undefined;
    trace({ side, call: "bind", inferred: false, via: "socket.bind()", local: socket.local, detail });
    return socket;
  } catch (err) {
    traceSetupFailure(trace, err as OpError, {
      side,
      call: "bind",
      inferred: false,
      via: "socket.bind()",
      local: address,
    });
    throw err;
  }
}

/** The socket, whose close() also removes its file (or the client's temp dir), once. */
function removingOnClose(
  socket: DatagramSocket,
  remove: () => unknown,
  side: Side,
  trace: Trace,
): DatagramSocket {
  const { local } = socket;
  let closing: Promise<void> | undefined;
  const close = async () => {
    traceClose(trace, side, "socket.close()", local);
    await socket.close();
    await remove();
  };
  return {
    local,
    connected: socket.connected,
    setHandlers: (handlers) => socket.setHandlers(handlers),
    send: (data, to) => socket.send(data, to),
    close: () => (closing ??= close()),
  };
}
