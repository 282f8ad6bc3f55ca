// The floor: the least a server in Node can do for each bench mode, straight on node:net, node:dgram
// and the playground's own unix addon (unix-addon/'s sockets), with none of the playground's layers
// (transports, tracing, timeouts, limits).
// scripts/bench-floor.ts runs the same loads against it and against the playground's servers; the
// ratio is what those layers cost. It is compiled with the rest (npm run build) and run by plain node,
// as the playground's servers are: tsx's loader would add its own memory to the floor's.
//
//   node dist/bench/floor-server.js session|lab|classic|echo|sink TRANSPORT ADDRESS
//
//   session  the lab's exchange, many sessions at once: welcome, then the ack once the message is in
//            (a newline, or the peer's shutdown on a stream; one record or datagram otherwise)
//   lab      the same, with the ack on the first read, as the lab's server.py does (recv(1024)): what
//            the lab's client, which never shuts down its side, is served by at once
//   classic  the same exchange the lab's way: one session at a time, served fully before the next
//            (stream transports only)
//   echo     what arrives goes back (src/bench/wire.ts)
//   sink     what arrives is counted; the report goes back at the peer's shutdown, or when asked with
//            a datagram starting with '?' (src/bench/wire.ts)
//
// Like `playground server` it prints "Server is listening on ADDRESS" ("bound to" for datagrams) and
// stops on SIGTERM, SIGINT, or when its standard input closes.
import dgram from "node:dgram";
import { fstatSync, rmSync } from "node:fs";
import net from "node:net";
import { formatInet, parseInet } from "../transports/address.js";
import type { Connection, ConnectionHandlers, TransportName } from "../transports/transport.js";
import {
  addonKernelPath,
  type ErrorContext,
  listenSeqpacket,
  openDgram,
} from "../transports/unix-addon/index.js";

const WELCOME = Buffer.from("Welcome to the server!");
const ACK = Buffer.from("Message received!");
const REPORT_REQUEST = 0x3f;
const MAX_PEERS = 1000;

const [service = "", transport = "", address = ""] = process.argv.slice(2);
const services = ["session", "lab", "classic", "echo", "sink"];
if (!services.includes(service) || !transport || !address) {
  process.stderr.write("usage: floor-server.js session|lab|classic|echo|sink TRANSPORT ADDRESS\n");
  process.exit(2);
}

interface Counted {
  bytes: number;
  datagrams: number;
}

// ---- stream: node:net --------------------------------------------------------------------------

function streamHandler(): (socket: net.Socket) => void {
  if (service === "echo") {
    return (socket) => {
      socket.on("data", (chunk: Buffer) => socket.write(chunk));
      socket.on("end", () => socket.end());
    };
  }
  if (service === "sink") {
    return (socket) => {
      const counted: Counted = { bytes: 0, datagrams: 0 };
      socket.on("data", (chunk: Buffer) => {
        counted.bytes += chunk.length;
        counted.datagrams++;
      });
      socket.on("end", () => socket.end(JSON.stringify(counted)));
    };
  }
  if (service === "lab") {
    return (socket) => {
      socket.write(WELCOME);
      socket.once("data", () => socket.end(ACK));
      // Only a peer that closes before sending anything needs our end() here: ending a socket whose
      // end has finished builds an ERR_STREAM_ALREADY_FINISHED, stack and all, for nothing.
      socket.on("end", () => socket.writableEnded || socket.end());
    };
  }
  return (socket) => {
    let acked = false;
    const ack = () => {
      if (acked) return;
      acked = true;
      socket.end(ACK);
    };
    socket.write(WELCOME);
    socket.on("data", (chunk: Buffer) => chunk.includes(0x0a) && ack());
    socket.on("end", ack);
  };
}

function serveStream(): () => void {
  const handle = streamHandler();
  const open = new Set<net.Socket>();
  const queue: net.Socket[] = [];
  let busy = false;
  // classic: accept, serve fully, then the next; the rest wait, as in the kernel's accept queue.
  const next = () => {
    if (busy) return;
    const socket = queue.shift();
    if (!socket) return;
    busy = true;
    socket.once("close", () => {
      busy = false;
      next();
    });
    handle(socket);
    socket.resume();
  };
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    socket.on("error", () => {});
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    if (service !== "classic") return handle(socket);
    socket.pause();
    queue.push(socket);
    next();
  });
  const unix = transport === "unix-stream";
  const where = unix ? { path: address } : { ...parseInet(address), ipv6Only: transport === "tcp6" };
  server.listen({ backlog: 4096, ...where }, () => {
    const bound = server.address() as net.AddressInfo;
    ready("listening on", unix ? address : formatInet(bound.address, bound.port));
  });
  server.on("error", fail);
  return () => {
    for (const socket of open) socket.destroy();
    server.close();
  };
}

// ---- datagram: node:dgram and the unix addon ---------------------------------------------------

type Reply = (data: Buffer, peer: string) => Buffer | undefined;

/** What to send back to a datagram from `peer`, or nothing. */
function datagramHandler(): Reply {
  if (service === "echo") return (data) => data;
  // Least recently heard first: a peer heard again moves to the end, so only idle ones are forgotten.
  const remembering = <T>() => {
    const peers = new Map<string, T>();
    const remember = (peer: string, state: T) => {
      peers.delete(peer);
      peers.set(peer, state);
      if (peers.size > MAX_PEERS) peers.delete(peers.keys().next().value as string);
      return state;
    };
    return { peers, remember };
  };
  if (service === "sink") {
    const { peers, remember } = remembering<Counted>();
    return (data, peer) => {
      const counted = peers.get(peer) ?? remember(peer, { bytes: 0, datagrams: 0 });
      if (data[0] === REPORT_REQUEST) return Buffer.from(JSON.stringify(counted));
      counted.bytes += data.length;
      counted.datagrams++;
      return undefined;
    };
  }
  // session: the first datagram (or the same again) gets the welcome, the next the ack.
  const { peers, remember } = remembering<Buffer>();
  return (data, peer) => {
    const hello = remember(peer, peers.get(peer) ?? data);
    return hello.equals(data) ? WELCOME : ACK;
  };
}

function serveUdp(type: "udp4" | "udp6"): () => void {
  const reply = datagramHandler();
  const socket = dgram.createSocket({ type, ipv6Only: type === "udp6" });
  socket.on("error", () => {});
  socket.on("message", (data, from) => {
    const answer = reply(data, `${from.address}:${from.port}`);
    if (answer) socket.send(answer, from.port, from.address);
  });
  const { host, port } = parseInet(address);
  socket.once("error", fail);
  socket.bind({ address: host, port, exclusive: true }, () => {
    const bound = socket.address();
    ready("bound to", formatInet(bound.address, bound.port));
  });
  return () => socket.close();
}

/** Who is asking, for the addon's errors. */
function context(): ErrorContext {
  return { transport: transport as TransportName, address };
}

function serveUnixDgram(): () => void {
  const reply = datagramHandler();
  const socket = openDgram(addonKernelPath(address, "unix-dgram", "bind"), context());
  socket.setHandlers({
    message: (data, from) => {
      const answer = from ? reply(data, from) : undefined;
      if (answer) socket.send(answer, from).catch(() => {});
    },
    error: () => {},
  });
  ready("bound to", address);
  return () => {
    void socket.close();
    if (!address.startsWith("@")) rmSync(address, { force: true });
  };
}

function serveSeqpacket(): () => void {
  const open = new Set<Connection>();
  const kernelPath = addonKernelPath(address, "unix-seqpacket", "listen");
  const server = listenSeqpacket(kernelPath, context(), (socket) => {
    open.add(socket);
    const write = (data: Buffer) => socket.write(data).catch(() => {});
    const handlers: ConnectionHandlers = {
      data: () => {},
      end: () => void socket.end(),
      close: () => void open.delete(socket),
    };
    if (service === "echo") {
      handlers.data = (data) => void write(data);
    } else if (service === "sink") {
      const counted: Counted = { bytes: 0, datagrams: 0 };
      handlers.data = (data) => {
        counted.bytes += data.length;
        counted.datagrams++;
      };
      handlers.end = () => {
        void write(Buffer.from(JSON.stringify(counted)));
        socket.end();
      };
    } else {
      void write(WELCOME);
      handlers.data = () => {
        void write(ACK);
        socket.end();
      };
    }
    socket.setHandlers(handlers);
  });
  ready("listening on", address);
  return () => {
    for (const socket of open) socket.destroy();
    server.close();
    if (!address.startsWith("@")) rmSync(address, { force: true });
  };
}

// ---- lifecycle ---------------------------------------------------------------------------------

function ready(verb: string, bound: string): void {
  process.stdout.write(`Server is ${verb} ${bound}\n`);
}

function fail(err: Error): never {
  process.stderr.write(`floor-server: ${err.message}\n`);
  process.exit(1);
}

let close: () => void = () => {};
try {
  if (service === "classic" && !["tcp4", "tcp6", "unix-stream"].includes(transport)) {
    throw new Error("classic serves stream transports only");
  }
  if (["tcp4", "tcp6", "unix-stream"].includes(transport)) close = serveStream();
  else if (transport === "udp4" || transport === "udp6") close = serveUdp(transport);
  else if (transport === "unix-dgram") close = serveUnixDgram();
  else if (transport === "unix-seqpacket") close = serveSeqpacket();
  else throw new Error(`unknown transport ${transport}`);
} catch (err) {
  fail(err as Error);
}

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  close();
  setImmediate(() => process.exit(0));
};
process.on("SIGTERM", stop).on("SIGINT", stop);
const input = fstatSync(0);
if (input.isFIFO() || input.isSocket()) process.stdin.on("close", stop).resume();
