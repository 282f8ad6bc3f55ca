// UDP over IPv4 and IPv6 (node:dgram). No listen(), no accept(): one socket receives every peer's
// datagrams and learns each sender from recvfrom(); udp(7).
import dgram from "node:dgram";
import { toOpError } from "../errors.js";
import type { Trace } from "../trace/events.js";
import { formatInet, parseInet } from "./address.js";
import { factsOf } from "./facts.js";
import { traceClose, traceSetupFailure } from "./setup-trace.js";
import type {
  DatagramHandlers,
  DatagramSocket,
  DatagramTransport,
  Side,
  TransportInfo,
} from "./transport.js";

export const udp4 = udpTransport(factsOf("udp4"));
export const udp6 = udpTransport(factsOf("udp6"));

function udpTransport(info: TransportInfo): DatagramTransport {
  const socketType = info.family === "inet6" ? "udp6" : "udp4";
  return {
    ...info,
    kind: "datagram",
    bind(address, trace) {
      const { host, port } = parseInet(address);
      const socket = dgram.createSocket({ type: socketType, ipv6Only: info.family === "inet6" });
      trace({ side: "server", call: "socket", inferred: true, via: "dgram.createSocket()" });
      return new Promise((resolve, reject) => {
        socket.once("error", (err) => {
          socket.close();
          const failure = toOpError(err, "bind", info.name, address);
          traceSetupFailure(trace, failure, {
            side: "server",
            call: "bind",
            inferred: false,
            via: "socket.bind()",
            local: address,
          });
          reject(failure);
        });
        socket.bind({ address: host, port, exclusive: true }, () => {
          socket.removeAllListeners("error");
          const bound = udpSocket(socket, info, "server", trace);
          // bind() was given port 0: the kernel chose the port in bound.local.
          const requested = port === 0 ? address : undefined;
          trace({
            side: "server",
            call: "bind",
            inferred: false,
            via: "socket.bind()",
            local: bound.local,
            requested,
          });
          resolve(bound);
        });
      });
    },
    // The client connect()s: on a datagram socket that only sets the default peer and makes the
    // kernel drop datagrams from anyone else (connect(2)), and it lets an ICMP port unreachable come
    // back as ECONNREFUSED instead of silence (udp(7)). Node binds an ephemeral port first.
    open(server, trace) {
      const { host, port } = parseInet(server);
      const socket = dgram.createSocket({ type: socketType });
      const via = "socket.connect()";
      trace({ side: "client", call: "socket", inferred: true, via: "dgram.createSocket()" });
      const t = trace.now();
      return new Promise((resolve, reject) => {
        socket.once("error", (err) => {
          socket.close();
          const failure = toOpError(err, "connect", info.name, server);
          traceSetupFailure(trace, failure, {
            t,
            side: "client",
            call: "connect",
            inferred: false,
            via,
            remote: server,
          });
          reject(failure);
        });
        socket.connect(port, host, () => {
          socket.removeAllListeners("error");
          const connected = udpSocket(socket, info, "client", trace, server);
          trace({
            t,
            side: "client",
            call: "bind",
            inferred: true,
            via,
            local: connected.local,
            // Node binds the wildcard, port 0, before connect(): the kernel picks both at connect().
            requested: info.family === "inet6" ? "[::]:0" : "0.0.0.0:0",
            detail: "ephemeral port",
          });
          trace({
            t,
            side: "client",
            call: "connect",
            inferred: false,
            via,
            local: connected.local,
            remote: server,
          });
          resolve(connected);
        });
      });
    },
  };
}

/** `peer` is set on a connected socket, whose sends must not name an address. */
function udpSocket(
  socket: dgram.Socket,
  info: TransportInfo,
  side: Side,
  trace: Trace,
  peer?: string,
): DatagramSocket {
  let handlers: DatagramHandlers | undefined;
  let closed = false;
  // What came before setHandlers(): the kernel delivered it, so it is kept, as unix-dgram keeps it.
  const early: ((h: DatagramHandlers) => void)[] = [];
  const deliver = (event: (h: DatagramHandlers) => void) => (handlers ? event(handlers) : early.push(event));
  // ICMP port-unreachable and friends arrive here; they must never crash the process.
  socket.on("error", (err) => {
    const failure = toOpError(err, "recv", info.name, peer ?? localOf(socket));
    deliver((h) => h.error(failure));
  });
  socket.on("message", (data, rinfo) => {
    const from = formatInet(rinfo.address, rinfo.port);
    deliver((h) => h.message(data, from));
  });
  const local = localOf(socket);
  return {
    local,
    connected: peer !== undefined,
    setHandlers(h) {
      handlers = h;
      for (const event of early.splice(0)) event(h);
    },
    send(data, to) {
      const { host, port } = parseInet(to);
      return new Promise((resolve, reject) => {
        if (closed) return reject(toOpError({ code: "EBADF" }, "send", info.name, to));
        const done = (err: Error | null) => (err ? reject(toOpError(err, "send", info.name, to)) : resolve());
        if (peer === to) socket.send(data, done);
        else socket.send(data, port, host, done);
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      traceClose(trace, side, "socket.close()", local);
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}

function localOf(socket: dgram.Socket): string {
  try {
    const { address, port } = socket.address();
    return formatInet(address, port);
  } catch {
    return ""; // not bound yet
  }
}
