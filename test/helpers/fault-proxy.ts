// A small fault-injecting proxy of our own, on loopback, for the "nothing lost" soak. It sits between
// a client and `playground server` and does what networks do, on purpose and counted:
//
//   TCP  client ⇄ proxy ⇄ server   each chunk delayed (order kept, per direction); on some connections
//                                  every chunk written one byte per send() (TCP_NODELAY, so one
//                                  segment each); some connections reset (RST both ways) at a random
//                                  moment; a reset from either side is passed on as a reset.
//   UDP  client ⇄ proxy ⇄ server   one upstream socket per client address, so the server sees one
//                                  peer per client; each datagram delayed (order kept) or dropped.
//
// Faults are drawn from the generator the caller passes, so a soak can print its seed.
import dgram from "node:dgram";
import net from "node:net";

export interface Faults {
  /** Longest delay added to a chunk or datagram, in ms; each direction keeps its order. */
  maxDelayMs: number;
  /** Chance that a TCP connection has every chunk sliced into one-byte writes. */
  slice: number;
  /** Chance that a TCP connection is reset at a random moment in its first 4 × maxDelayMs + 10 ms. */
  reset: number;
  /** Chance that a datagram is dropped, in either direction. */
  drop: number;
}

export interface FaultCounts {
  connections: number;
  datagrams: number;
  /** Chunks and datagrams held back before being passed on. */
  delayed: number;
  /** Chunks passed on one byte at a time. */
  sliced: number;
  resets: number;
  dropped: number;
}

export interface FaultProxy {
  /** Where clients connect: 127.0.0.1 and this port. */
  readonly port: number;
  readonly injected: FaultCounts;
  close(): Promise<void>;
}

interface Target {
  host: string;
  port: number;
}

/** mulberry32: a tiny seeded generator, good enough to draw faults from and replay a run's plan. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function noFaults(): FaultCounts {
  return { connections: 0, datagrams: 0, delayed: 0, sliced: 0, resets: 0, dropped: 0 };
}

export function tcpFaultProxy(target: Target, faults: Faults, random: () => number): Promise<FaultProxy> {
  const injected = noFaults();
  const open = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.on("error", () => {}); // resets are the point here; the close handler passes them on
    socket.on("close", () => open.delete(socket));
    return socket;
  };

  const server = net.createServer({ allowHalfOpen: true }, (clientSide) => {
    injected.connections++;
    track(clientSide).setNoDelay(true);
    const serverSide = track(net.connect({ ...target, allowHalfOpen: true, noDelay: true }));
    const sliced = random() < faults.slice;
    let reset = false;
    const resetBoth = () => {
      if (reset) return;
      reset = true;
      for (const socket of [clientSide, serverSide]) {
        if (socket.destroyed) continue;
        // Node 20 cannot reset a socket whose end() it has begun: libuv refuses SO_LINGER 0 while a
        // shutdown is pending (EINVAL), Node still marks the handle closing, and the process then
        // spins at exit waiting for a handle that never closes. After end() our FIN is out anyway.
        if (socket.writableEnded) socket.destroy();
        else socket.resetAndDestroy();
      }
    };
    if (random() < faults.reset) {
      setTimeout(
        () => {
          if (clientSide.destroyed && serverSide.destroyed) return; // over already: nothing to reset
          injected.resets++;
          resetBoth();
        },
        random() * (4 * faults.maxDelayMs + 10),
      );
    }
    const forward = (from: net.Socket, to: net.Socket) => {
      let queue = Promise.resolve();
      from.on("data", (chunk: Buffer) => {
        const delay = random() * faults.maxDelayMs;
        queue = queue.then(async () => {
          if (delay >= 1) {
            injected.delayed++;
            await sleep(delay);
          }
          if (to.destroyed) return;
          if (!sliced || chunk.length < 2) return void to.write(chunk);
          injected.sliced++;
          for (const byte of chunk) to.write(Buffer.of(byte)); // one send() each, in this same turn
        });
      });
      from.on("end", () => {
        queue = queue.then(() => void (to.destroyed || to.end()));
      });
      // A reset (or any error) on one side is passed on as a reset; a clean close was an end, above.
      from.on("close", (hadError) => {
        if (hadError) resetBoth();
      });
    };
    forward(clientSide, serverSide);
    forward(serverSide, clientSide);
  });

  return new Promise((resolve) => {
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        injected,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** How long a client address keeps its upstream socket after its last datagram. */
const UDP_MAPPING_IDLE_MS = 3_000;

export function udpFaultProxy(target: Target, faults: Faults, random: () => number): Promise<FaultProxy> {
  const injected = noFaults();
  const front = dgram.createSocket("udp4");
  front.on("error", () => {}); // an ICMP error for a client gone: nothing to do
  let stopped = false; // a datagram still delayed when the proxy closes is dropped, not sent

  interface Mapping {
    upstream: dgram.Socket;
    closed: boolean;
    /** The last datagram queued in each direction: the next one goes after it. */
    toServer: Promise<void>;
    toClient: Promise<void>;
    idle?: NodeJS.Timeout;
  }
  const mappings = new Map<string, Mapping>();

  /** Drop it, or hand it to `send` after a delay, after everything queued before it. */
  const pass = (queued: Promise<void>, data: Buffer, send: (data: Buffer) => void): Promise<void> => {
    injected.datagrams++;
    if (random() < faults.drop) {
      injected.dropped++;
      return queued;
    }
    const delay = random() * faults.maxDelayMs;
    return queued.then(async () => {
      if (delay >= 1) {
        injected.delayed++;
        await sleep(delay);
      }
      send(data);
    });
  };

  const retire = (key: string, mapping: Mapping) => {
    clearTimeout(mapping.idle);
    mapping.closed = true;
    mapping.upstream.close();
    mappings.delete(key);
  };

  front.on("message", (data, client) => {
    const key = `${client.address}:${client.port}`;
    let mapping = mappings.get(key);
    if (!mapping) {
      const upstream = dgram.createSocket("udp4");
      upstream.on("error", () => {});
      const connected = new Promise<void>((resolve) =>
        upstream.connect(target.port, target.host, () => resolve()),
      );
      const created: Mapping = { upstream, closed: false, toServer: connected, toClient: Promise.resolve() };
      upstream.on("message", (reply) => {
        created.toClient = pass(created.toClient, reply, (d) => {
          if (!stopped) front.send(d, client.port, client.address, () => {});
        });
      });
      mappings.set(key, created);
      mapping = created;
    }
    const current = mapping;
    clearTimeout(current.idle);
    current.idle = setTimeout(() => retire(key, current), UDP_MAPPING_IDLE_MS);
    current.toServer = pass(current.toServer, data, (d) => {
      if (!current.closed) current.upstream.send(d, () => {});
    });
  });

  return new Promise((resolve) => {
    front.bind(0, "127.0.0.1", () => {
      resolve({
        port: front.address().port,
        injected,
        close: async () => {
          stopped = true;
          for (const [key, mapping] of mappings) retire(key, mapping);
          await new Promise<void>((done) => front.close(() => done()));
        },
      });
    });
  });
}
