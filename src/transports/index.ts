// The strategy layer's other half: a transport name -> the module that implements it.
//
//   name            --family  --type      socket(2)                     built on
//   tcp4            inet      stream      AF_INET,  SOCK_STREAM         node:net
//   tcp6            inet6     stream      AF_INET6, SOCK_STREAM         node:net
//   udp4            inet      dgram       AF_INET,  SOCK_DGRAM          node:dgram
//   udp6            inet6     dgram       AF_INET6, SOCK_DGRAM          node:dgram
//   unix-stream     unix      stream      AF_UNIX,  SOCK_STREAM         node:net with a path
//   unix-dgram      unix      dgram       AF_UNIX,  SOCK_DGRAM          node-unix-socket (native addon)
//   unix-seqpacket  unix      seqpacket   AF_UNIX,  SOCK_SEQPACKET      node-unix-socket (native addon)
//
// Two shapes (transport.ts): the stream and seqpacket ones are ConnectionTransports, the dgram ones
// DatagramTransports. Modules are imported on demand so that `--help` never pays for sockets.
import type { Transport, TransportName } from "./transport.js";

export async function loadTransport(name: TransportName): Promise<Transport> {
  switch (name) {
    case "tcp4":
      return (await import("./tcp.js")).tcp4;
    case "tcp6":
      return (await import("./tcp.js")).tcp6;
    case "udp4":
      return (await import("./udp.js")).udp4;
    case "udp6":
      return (await import("./udp.js")).udp6;
    case "unix-stream":
      return (await import("./unix-stream.js")).unixStream;
    case "unix-dgram":
      return (await import("./unix-dgram.js")).unixDgram;
    case "unix-seqpacket":
      return (await import("./unix-seqpacket.js")).unixSeqpacket;
  }
}
