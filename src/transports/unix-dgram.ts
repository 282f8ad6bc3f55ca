// SOCK_DGRAM in AF_UNIX, from node-unix-socket through unix-addon.ts. Unlike UDP it is reliable and
// ordered on Linux: when the receiver's queue is full the sender waits (EAGAIN) instead of the
// kernel dropping datagrams (unix(7), net.unix.max_dgram_qlen).
//
// Paths only: the library cannot bind or reach an abstract @name (see unix-addon.ts). It does not
// unlink socket files either, so each socket here removes the file it bound when it closes.
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import type { DatagramSocket, DatagramTransport } from "./transport.js";
import { addonKernelPath, openDgram } from "./unix-addon.js";

export const unixDgram: DatagramTransport = {
  name: "unix-dgram",
  family: "unix",
  type: "dgram",
  cFamily: "AF_UNIX",
  cType: "SOCK_DGRAM",
  builtOn: "node-unix-socket DgramSocket",
  connectionOriented: false,
  preservesBoundaries: true,
  reliable: true,
  addressForm: "path or @abstract",
  kind: "datagram",
  async bind(address) {
    const path = addonKernelPath(address, "unix-dgram", "bind");
    return removingOnClose(openDgram(path, { transport: "unix-dgram", address }), path);
  },
  // A unix datagram client must bind a name of its own or the server has nowhere to answer: its
  // recvfrom() gets an empty address (unix(7)), and Linux does not autobind on sendto(). So it binds
  // a path in a private temp dir, which close() removes again. (An abstract name would leave no file,
  // but the library cannot bind one.)
  async open(server) {
    addonKernelPath(server, "unix-dgram", "connect"); // refuse what we could never send to, before making files
    const dir = mkdtempSync(join(os.tmpdir(), "playground-"));
    const path = join(dir, "client.sock");
    try {
      return removingOnClose(
        openDgram(addonKernelPath(path, "unix-dgram", "bind"), { transport: "unix-dgram", address: path }),
        dir,
      );
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  },
};

/** The socket, whose close() also removes `file` (the socket file, or the client's temp dir). */
function removingOnClose(socket: DatagramSocket, file: string): DatagramSocket {
  return {
    local: socket.local,
    setHandlers: (handlers) => socket.setHandlers(handlers),
    send: (data, to) => socket.send(data, to),
    async close() {
      await socket.close();
      await rm(file, { recursive: true, force: true });
    },
  };
}
