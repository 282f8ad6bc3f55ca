#!/usr/bin/env node
// The floor: the least a server in Node can do for each bench mode, straight on node:net, node:dgram
// and node-unix-socket, with none of the playground's layers (transports, tracing, timeouts, limits).
// bench-floor.mjs runs the same loads against it and against the playground's servers; the ratio is
// what those layers cost.
//
//   node scripts/floor-server.mjs session|lab|classic|echo|sink TRANSPORT ADDRESS
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
import { createRequire } from "node:module";
import net from "node:net";

const WELCOME = Buffer.from("Welcome to the server!");
const ACK = Buffer.from("Message received!");
const REPORT_REQUEST = 0x3f;
const MAX_PEERS = 1000;

const [service, transport, address] = process.argv.slice(2);
const services = ["session", "lab", "classic", "echo", "sink"];
if (!services.includes(service) || !transport || !address) {
  process.stderr.write("usage: floor-server.mjs session|lab|classic|echo|sink TRANSPORT ADDRESS\n");
  process.exit(2);
}

function inet(text) {
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(text);
  return { host: match[1], port: Number(match[2]) };
}

function formatInet(host, port) {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

// ---- stream: node:net --------------------------------------------------------------------------

function streamHandler() {
  if (service === "echo") {
    return (socket) => {
      socket.on("data", (chunk) => socket.write(chunk));
      socket.on("end", () => socket.end());
    };
  }
  if (service === "sink") {
    return (socket) => {
      const counted = { bytes: 0, datagrams: 0 };
      socket.on("data", (chunk) => {
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
      socket.on("end", () => socket.end());
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
    socket.on("data", (chunk) => chunk.includes(0x0a) && ack());
    socket.on("end", ack);
  };
}

function serveStream() {
  const handle = streamHandler();
  const open = new Set();
  const queue = [];
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
  const where = unix ? { path: address } : { ...inet(address), ipv6Only: transport === "tcp6" };
  server.listen({ backlog: 4096, ...where }, () => {
    const bound = server.address();
    ready("listening on", unix ? address : formatInet(bound.address, bound.port));
  });
  server.on("error", fail);
  return () => {
    for (const socket of open) socket.destroy();
    server.close();
  };
}

// ---- datagram: node:dgram and node-unix-socket ------------------------------------------------

/** What to send back to a datagram from `peer`, or nothing. */
function datagramHandler() {
  if (service === "echo") return (data) => data;
  // Least recently heard first: a peer heard again moves to the end, so only idle ones are forgotten.
  const peers = new Map();
  const remember = (peer, state) => {
    peers.delete(peer);
    peers.set(peer, state);
    if (peers.size > MAX_PEERS) peers.delete(peers.keys().next().value);
    return state;
  };
  if (service === "sink") {
    return (data, peer) => {
      const counted = peers.get(peer) ?? remember(peer, { bytes: 0, datagrams: 0 });
      if (data[0] === REPORT_REQUEST) return Buffer.from(JSON.stringify(counted));
      counted.bytes += data.length;
      counted.datagrams++;
      return undefined;
    };
  }
  // session: the first datagram (or the same again) gets the welcome, the next the ack.
  return (data, peer) => {
    const hello = remember(peer, peers.get(peer) ?? data);
    return hello.equals(data) ? WELCOME : ACK;
  };
}

function serveUdp() {
  const reply = datagramHandler();
  const socket = dgram.createSocket({ type: transport, ipv6Only: transport === "udp6" });
  socket.on("error", () => {});
  socket.on("message", (data, from) => {
    const answer = reply(data, `${from.address}:${from.port}`);
    if (answer) socket.send(answer, from.port, from.address);
  });
  const { host, port } = inet(address);
  socket.once("error", fail);
  socket.bind({ address: host, port, exclusive: true }, () => {
    const bound = socket.address();
    ready("bound to", formatInet(bound.address, bound.port));
  });
  return () => socket.close();
}

function addon() {
  return createRequire(import.meta.url)("node-unix-socket");
}

function serveUnixDgram() {
  const reply = datagramHandler();
  const socket = new (addon().DgramSocket)();
  socket.on("error", () => {});
  socket.on("data", (data, from) => {
    const answer = from ? reply(data, from) : undefined;
    if (answer) socket.sendTo(answer, 0, answer.length, from, () => {});
  });
  socket.bind(address);
  ready("bound to", address);
  return () => {
    socket.close();
    rmSync(address, { force: true });
  };
}

function serveSeqpacket() {
  const server = new (addon().SeqpacketServer)();
  server.on("error", () => {});
  const open = new Set();
  server.on("connection", (socket) => {
    open.add(socket);
    let closed = false;
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
      open.delete(socket);
    });
    // The library aborts the process if a socket is ended or destroyed inside its own callback.
    const end = () => setImmediate(() => !closed && socket.end());
    if (service === "echo") {
      socket.on("data", (data) => socket.write(data));
      socket.on("end", end);
    } else if (service === "sink") {
      const counted = { bytes: 0, datagrams: 0 };
      socket.on("data", (data) => {
        counted.bytes += data.length;
        counted.datagrams++;
      });
      socket.on("end", () => {
        const report = Buffer.from(JSON.stringify(counted));
        socket.write(report, 0, report.length, end);
      });
    } else {
      socket.write(WELCOME);
      socket.on("data", () => socket.write(ACK, 0, ACK.length, end));
    }
  });
  server.listen(address, 4096);
  ready("listening on", address);
  return () => {
    for (const socket of open) setImmediate(() => socket.destroy());
    server.close();
    rmSync(address, { force: true });
  };
}

// ---- lifecycle ---------------------------------------------------------------------------------

function ready(verb, bound) {
  process.stdout.write(`Server is ${verb} ${bound}\n`);
}

function fail(err) {
  process.stderr.write(`floor-server: ${err.message}\n`);
  process.exit(1);
}

let close;
try {
  if (service === "classic" && !["tcp4", "tcp6", "unix-stream"].includes(transport)) {
    throw new Error("classic serves stream transports only");
  }
  if (["tcp4", "tcp6", "unix-stream"].includes(transport)) close = serveStream();
  else if (transport === "udp4" || transport === "udp6") close = serveUdp();
  else if (transport === "unix-dgram") close = serveUnixDgram();
  else if (transport === "unix-seqpacket") close = serveSeqpacket();
  else throw new Error(`unknown transport ${transport}`);
} catch (err) {
  fail(err);
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
