// SOCK_SEQPACKET in AF_UNIX: connections like a stream, records like datagrams (unix(7)). Node has no
// such socket, so it comes from node-unix-socket, through unix-addon.ts, which keeps that library's
// sharp edges to itself.
//
// Paths only: the library cannot bind or reach an abstract @name (see unix-addon.ts), and unlike
// node:net it leaves the socket file behind on close, so our listener removes the file it made.
import { rm } from "node:fs/promises";
import { describeUnix } from "./address.js";
import type { ConnectionTransport } from "./transport.js";
import { addonKernelPath, connectSeqpacket, listenSeqpacket } from "./unix-addon.js";

export const unixSeqpacket: ConnectionTransport = {
  name: "unix-seqpacket",
  family: "unix",
  type: "seqpacket",
  cFamily: "AF_UNIX",
  cType: "SOCK_SEQPACKET",
  builtOn: "node-unix-socket SeqpacketServer/SeqpacketSocket",
  connectionOriented: true,
  preservesBoundaries: true,
  reliable: true,
  addressForm: "path or @abstract",
  kind: "connection",
  async listen(address, onConnection) {
    const path = addonKernelPath(address, "unix-seqpacket", "listen");
    const bound = describeUnix(path);
    const server = listenSeqpacket(path, { transport: "unix-seqpacket", address: bound }, onConnection);
    return {
      address: bound,
      async close() {
        server.close();
        // bind() made the file and close() does not unlink it; a file left behind would make the
        // next listen() here fail with EADDRINUSE.
        await rm(path, { force: true });
      },
    };
  },
  async dial(address) {
    const path = addonKernelPath(address, "unix-seqpacket", "connect");
    return connectSeqpacket(path, { transport: "unix-seqpacket", address });
  },
};
