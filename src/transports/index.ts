// The strategy layer's other half: a transport name -> the module that implements it. What each
// transport is (family, type, socket(2)'s names, what it is built on) is in facts.ts.
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
