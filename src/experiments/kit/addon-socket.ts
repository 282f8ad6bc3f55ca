// The playground's addon socket made directly, for what no transport offers: SO_PEERCRED, SO_PASSCRED
// and descriptors passed with SCM_RIGHTS. node:net has none of them, and the addon's transports carry
// bytes only; the addon itself makes SOCK_STREAM sockets too, so all three unix types can show them.
// Its calls are recorded on the trace by hand.

import type { TransportName } from "../../transports/transport.js";
import { kernelName, loadNative, type UnixSocket } from "../../transports/unix-addon/index.js";
import type { ExperimentContext } from "../experiment.js";

type UnixType = "SOCK_STREAM" | "SOCK_DGRAM" | "SOCK_SEQPACKET";

const TYPES: Partial<Record<TransportName, UnixType>> = {
  "unix-stream": "SOCK_STREAM",
  "unix-dgram": "SOCK_DGRAM",
  "unix-seqpacket": "SOCK_SEQPACKET",
};

/** The socket type of a unix transport, as the addon names it. */
export function unixTypeOf(name: TransportName): UnixType {
  const type = TYPES[name];
  if (!type) throw new Error(`${name} is not a unix transport`);
  return type;
}

/**
 * A server's socket on the addon, bound to `path`, listening (backlog 1) unless it is a datagram
 * socket; closed when the run ends. Its calls go on the ladder as the server's.
 */
export function addonServer(context: ExperimentContext, name: TransportName, path: string): UnixSocket {
  const type = unixTypeOf(name);
  const native = loadNative();
  const socket = new native.UnixSocket(native.constants[type]);
  context.defer(() => socket.close());
  const via = `the playground's addon (${type})`;
  context.trace({ side: "server", call: "socket", inferred: false, via });
  socket.bind(kernelName(path));
  context.trace({ side: "server", call: "bind", inferred: false, via, local: path });
  if (type !== "SOCK_DGRAM") {
    socket.listen(1);
    context.trace({ side: "server", call: "listen", inferred: false, via, detail: "backlog 1" });
  }
  return socket;
}

/**
 * accept() on a listener whose client has already connect()ed: on AF_UNIX a connect() returns once
 * the connection is in the accept queue, so a peer that says it has connected is there to accept.
 * null when nobody is (the peer lied, or went away).
 */
export function acceptWaiting(context: ExperimentContext, listener: UnixSocket): UnixSocket | null {
  const accepted = listener.accept();
  if (accepted) context.defer(() => accepted.close());
  context.trace({
    side: "server",
    call: "accept",
    inferred: false,
    via: "the playground's addon",
    session: 1,
    ...(accepted ? {} : { errno: "EAGAIN", message: "accept() EAGAIN: nobody waiting" }),
  });
  return accepted;
}
