// TCP over IPv4 and IPv6 (node:net). tcp6 differs from tcp4 only in its family, as
// UnixStreamServer differs from TCPServer only in address_family.
import type net from "node:net";
import { formatInet, parseInet } from "./address.js";
import { factsOf } from "./facts.js";
import { dialNet, listenNet } from "./net-node.js";
import type { ConnectionTransport, TransportInfo } from "./transport.js";

export const tcp4 = tcpTransport(factsOf("tcp4"));
export const tcp6 = tcpTransport(factsOf("tcp6"));

function tcpTransport(info: TransportInfo): ConnectionTransport {
  return {
    ...info,
    kind: "connection",
    listen(address, onConnection, trace) {
      const { host, port } = parseInet(address);
      // ipv6Only: a tcp6 server should not also answer IPv4 through a dual-stack wildcard; ipv6(7).
      const options = { host, port, ipv6Only: info.family === "inet6" };
      const describe = (bound: string | net.AddressInfo) => {
        const { address: boundHost, port: boundPort } = bound as net.AddressInfo;
        return formatInet(boundHost, boundPort);
      };
      return listenNet(info.name, address, options, onConnection, describe, trace);
    },
    dial(address, trace, signal) {
      const { host, port } = parseInet(address);
      const family = info.family === "inet6" ? 6 : 4;
      return dialNet(info.name, address, { host, port, family, signal }, trace);
    },
  };
}
