// SOCK_STREAM in AF_UNIX, with node:net and a path (or a NUL-led abstract name). Unlike the
// node-unix-socket transports, node:net unlinks the socket file itself when the server closes.
import { describeUnix, unixKernelPath } from "./address.js";
import { dialNet, listenNet } from "./net-node.js";
import type { ConnectionTransport } from "./transport.js";

export const unixStream: ConnectionTransport = {
  name: "unix-stream",
  family: "unix",
  type: "stream",
  cFamily: "AF_UNIX",
  cType: "SOCK_STREAM",
  builtOn: "node:net (path sockets)",
  connectionOriented: true,
  connectRoundTrips: 0,
  preservesBoundaries: false,
  reliable: true,
  addressForm: "path or @abstract",
  kind: "connection",
  async listen(address, onConnection, trace) {
    const path = unixKernelPath(address, "unix-stream", "bind");
    return listenNet("unix-stream", address, { path }, onConnection, () => describeUnix(path), trace);
  },
  async dial(address, trace) {
    const path = unixKernelPath(address, "unix-stream", "connect");
    return dialNet("unix-stream", address, { path }, trace);
  },
};
