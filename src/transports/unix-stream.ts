// SOCK_STREAM in AF_UNIX, with node:net and a path (or a NUL-led abstract name, which node:net pads to
// 108 bytes). Unlike the addon's transports, node:net unlinks the socket file itself when the server
// closes.

import { describeUnix, isAbstract, unixKernelPath } from "./address.js";
import { factsOf } from "./facts.js";
import { dialNet, listenNet } from "./net-node.js";
import { placeListener } from "./socket-file.js";
import type { ConnectionTransport } from "./transport.js";

export const unixStream: ConnectionTransport = {
  ...factsOf("unix-stream"),
  kind: "connection",
  async listen(address, onConnection, trace, options) {
    const path = unixKernelPath(address, "unix-stream", "bind");
    const describe = () => describeUnix(path);
    if (!options?.socketFile || isAbstract(address)) {
      return listenNet("unix-stream", address, { path }, onConnection, describe, trace);
    }
    const placed = await placeListener(
      trace,
      path,
      options.socketFile.mode,
      "unix-stream",
      (privatePath, gate) =>
        listenNet("unix-stream", address, { path: privatePath }, onConnection, describe, gate, privatePath),
      (listener) => listener.close(),
    );
    const close = async () => {
      await placed.value.close();
      placed.remove();
    };
    let closing: Promise<void> | undefined;
    return { address: placed.value.address, close: () => (closing ??= close()) };
  },
  async dial(address, trace, signal) {
    const path = unixKernelPath(address, "unix-stream", "connect");
    return dialNet("unix-stream", address, { path, signal }, trace);
  },
};
