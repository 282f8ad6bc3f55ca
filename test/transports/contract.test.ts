// One suite every transport must pass, in the manner of libp2p's interface-compliance tests:
// the same exchange, in process, on real sockets.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OpError } from "../../src/errors.js";
import { runClient } from "../../src/protocol/client.js";
import { ACK, DEFAULT_PROTOCOL, MESSAGE, WELCOME } from "../../src/protocol/messages.js";
import { type RunningServer, startServer } from "../../src/protocol/server.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import { noTrace, type SocketEvent } from "../../src/trace/events.js";
import { createTracer } from "../../src/trace/tracer.js";
import { loadTransport } from "../../src/transports/index.js";
import type {
  Connection,
  ConnectionTransport,
  DatagramSocket,
  DatagramTransport,
  SocketType,
  Transport,
  TransportName,
} from "../../src/transports/transport.js";
import { Peer, PYTHON, requireTool, stopAll } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  removeTempDirs();
});

function addressFor(name: TransportName): string {
  if (name === "tcp4" || name === "udp4") return "127.0.0.1:0";
  if (name === "tcp6" || name === "udp6") return "[::1]:0";
  return join(tempDir(), "s.sock");
}

const clientOptions = { message: Buffer.from(MESSAGE), timeout: 5, retries: 3 };

describe.each(TRANSPORT_NAMES)("%s", (name) => {
  it("runs welcome -> message -> ack, byte for byte", async () => {
    const transport = await loadTransport(name);
    const events: SocketEvent[] = [];
    const trace = createTracer(transport, (e) => events.push(e));
    const server = await startServer(transport, addressFor(name), DEFAULT_PROTOCOL, trace);
    servers.push(server);
    const result = await runClient(transport, server.address, clientOptions, trace);
    expect(result.welcome.toString()).toBe(WELCOME);
    expect(result.ack.toString()).toBe(ACK);
    const serverGot = events.filter((e) => e.side === "server" && e.call.startsWith("recv") && e.bytes);
    expect(serverGot.at(-1)?.preview).toBe(MESSAGE);
  });

  it("serves many clients at once", async () => {
    const transport = await loadTransport(name);
    const server = await startServer(transport, addressFor(name), DEFAULT_PROTOCOL, noTrace);
    servers.push(server);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runClient(
          transport,
          server.address,
          { ...clientOptions, message: Buffer.from(`client ${i}`) },
          noTrace,
        ),
      ),
    );
    expect(results.map((r) => r.ack.toString())).toEqual(Array(20).fill(ACK));
    await expect.poll(() => server.activeSessions).toBe(0);
  });

  it("removes its socket file on close, and leaves no session behind", async () => {
    const transport = await loadTransport(name);
    const address = addressFor(name);
    const server = await startServer(transport, address, DEFAULT_PROTOCOL, noTrace);
    await runClient(transport, server.address, clientOptions, noTrace);
    if (transport.family === "unix") expect(existsSync(address)).toBe(true);
    await server.close(1);
    expect(server.activeSessions).toBe(0);
    if (transport.family === "unix") expect(existsSync(address)).toBe(false);
  });

  it("says which errno when nothing is there", async () => {
    const transport = await loadTransport(name);
    const server = await startServer(transport, addressFor(name), DEFAULT_PROTOCOL, noTrace);
    const { address } = server;
    await server.close();
    const expected = transport.family === "unix" ? "ENOENT" : "ECONNREFUSED";
    await expect(
      runClient(transport, address, { ...clientOptions, timeout: 2 }, noTrace),
    ).rejects.toMatchObject({
      code: expected,
    });
  });
});

// ---- The capabilities, on the Connection and DatagramSocket interfaces themselves ------------------
// What the protocol relies on, checked against what the capability table (TransportInfo) says of each
// transport: the safety net for replacing a transport's implementation (a new unix addon, say).

const PIECES = ["one", "two", "three"];

/** A listening server and a connected client, with the accepted connection's handlers not yet set. */
async function connectedPair(
  transport: ConnectionTransport,
): Promise<{ server: Connection; client: Connection }> {
  const accepted: Connection[] = [];
  const listener = await transport.listen(addressFor(transport.name), (c) => accepted.push(c), noTrace);
  closers.push(() => listener.close());
  const client = await transport.dial(listener.address, noTrace);
  closers.push(() => client.destroy());
  await expect.poll(() => accepted.length).toBe(1);
  const server = accepted[0] as Connection;
  closers.push(() => server.destroy());
  return { server, client };
}

/** What a connection hears, and a promise of its close (with its error, if any). */
function listenTo(connection: Connection, onData: (chunk: Buffer) => void = () => {}, onEnd = () => {}) {
  const heard = { chunks: [] as string[], ends: 0, closes: 0 };
  const closed = new Promise<OpError | undefined>((resolve) =>
    connection.setHandlers({
      data: (chunk) => {
        heard.chunks.push(chunk.toString());
        onData(chunk);
      },
      end: () => {
        heard.ends++;
        onEnd();
      },
      close: (err) => {
        heard.closes++;
        resolve(err);
      },
    }),
  );
  return { heard, closed };
}

async function datagramPair(
  transport: DatagramTransport,
): Promise<{ server: DatagramSocket; client: DatagramSocket }> {
  const server = await transport.bind(addressFor(transport.name), noTrace);
  closers.push(() => server.close());
  const client = await transport.open(server.local, noTrace);
  closers.push(() => client.close());
  return { server, client };
}

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await new Promise((done) => setImmediate(done)); // let deferred destroys run before the dir goes
  removeTempDirs();
});

const connectionNames = TRANSPORT_NAMES.filter((n) => !["udp4", "udp6", "unix-dgram"].includes(n));
const datagramNames = TRANSPORT_NAMES.filter((n) => !connectionNames.includes(n));

describe.each(connectionNames)("%s: a connection", (name) => {
  const load = async () => (await loadTransport(name)) as ConnectionTransport;

  it("keeps the writer's boundaries exactly when the table says it does", async () => {
    const transport = await load();
    const { server, client } = await connectedPair(transport);
    const { heard, closed } = listenTo(server);
    // All three before the server's event loop runs: on a stream they are one queue of bytes by then.
    const written = PIECES.map((piece) => client.write(Buffer.from(piece)));
    await Promise.all(written);
    client.end();
    await expect.poll(() => heard.ends).toBe(1);
    if (transport.preservesBoundaries) expect(heard.chunks).toEqual(PIECES);
    else expect(heard.chunks.join("")).toBe(PIECES.join(""));
    server.end();
    expect(await closed).toBeUndefined();
  });

  it("half-close: the peer that shut down its writing side still gets the reply, then EOF", async () => {
    const transport = await load();
    const { server, client } = await connectedPair(transport);
    const serverSide = listenTo(server);
    const clientSide = listenTo(client);
    await client.write(Buffer.from("request"));
    client.end();
    await expect.poll(() => serverSide.heard.ends).toBe(1);
    await server.write(Buffer.from("reply"));
    server.end();
    expect(await clientSide.closed).toBeUndefined();
    expect(await serverSide.closed).toBeUndefined();
    expect(clientSide.heard).toEqual({ chunks: ["reply"], ends: 1, closes: 1 });
    expect(serverSide.heard).toEqual({ chunks: ["request"], ends: 1, closes: 1 });
  });

  it("a write after end() fails with EPIPE, as send() after shutdown(SHUT_WR) does", async () => {
    const transport = await load();
    const { server, client } = await connectedPair(transport);
    listenTo(server);
    const { closed } = listenTo(client);
    client.end();
    await expect(client.write(Buffer.from("late"))).rejects.toMatchObject({ op: "send", code: "EPIPE" });
    server.end();
    await closed;
  });

  it("keeps what came before its handlers were set: the data, then the EOF", async () => {
    const transport = await load();
    const { server, client } = await connectedPair(transport);
    listenTo(client);
    await client.write(Buffer.from("early"));
    client.end();
    await new Promise((done) => setTimeout(done, 50)); // the bytes and the FIN are in the kernel by now
    const { heard } = listenTo(server);
    await expect.poll(() => heard.ends).toBe(1);
    expect(heard.chunks.join("")).toBe("early");
  });

  it("survives destroy() inside its own data handler, and closes once", async () => {
    const transport = await load();
    const { server, client } = await connectedPair(transport);
    const serverSide = listenTo(server, () => server.destroy());
    const clientSide = listenTo(client, undefined, () => client.end()); // like any client: done too
    await client.write(Buffer.from("bye"));
    await serverSide.closed;
    await clientSide.closed; // with or without an error: a reset is the kernel's right here
    await new Promise((done) => setTimeout(done, 50));
    expect(serverSide.heard.closes).toBe(1);
    expect(clientSide.heard.closes).toBe(1);
  });
});

describe.each(datagramNames)("%s: a datagram socket", (name) => {
  const load = async () => (await loadTransport(name)) as DatagramTransport;

  it("keeps every datagram whole, one recvfrom() per sendto(), and answers the sender", async () => {
    const transport = await load();
    const { server, client } = await datagramPair(transport);
    const got: string[] = [];
    server.setHandlers({
      message: (data, from) => {
        got.push(data.toString());
        server.send(Buffer.from(`ack:${data}`), from).catch(() => {});
      },
      error: () => {},
    });
    const answers: string[] = [];
    client.setHandlers({ message: (data) => answers.push(data.toString()), error: () => {} });
    for (const piece of PIECES) await client.send(Buffer.from(piece), server.local);
    await expect.poll(() => answers.length).toBe(PIECES.length);
    expect(transport.preservesBoundaries).toBe(true);
    expect(got.sort()).toEqual([...PIECES].sort()); // UDP may reorder; every one arrives whole
    expect(answers.sort()).toEqual(PIECES.map((p) => `ack:${p}`).sort());
  });

  it("keeps a datagram that came before its handlers were set", async () => {
    const transport = await load();
    const { server, client } = await datagramPair(transport);
    await client.send(Buffer.from("early"), server.local);
    await new Promise((done) => setTimeout(done, 50));
    const got: string[] = [];
    server.setHandlers({ message: (data) => got.push(data.toString()), error: () => {} });
    await expect.poll(() => got).toEqual(["early"]);
  });
});

// ---- What the kernel said, named as it said it ---------------------------------------------------

/** The error `transport` meets reaching `address`: connect() on a connection, the first sendto() else. */
async function reach(transport: Transport, address: string): Promise<OpError> {
  try {
    if (transport.kind === "connection") {
      const connection = await transport.dial(address, noTrace);
      connection.destroy();
    } else {
      const socket = await transport.open(address, noTrace);
      closers.push(() => socket.close());
      await socket.send(Buffer.from("x"), address);
    }
  } catch (err) {
    return err as OpError;
  }
  throw new Error(`reached ${address}`);
}

/** Bind (and listen on) `address`, until the test ends; the address the kernel gave it. */
async function boundAt(transport: Transport, address: string): Promise<string> {
  if (transport.kind === "connection") {
    const listener = await transport.listen(address, (c) => c.destroy(), noTrace);
    closers.push(() => listener.close());
    return listener.address;
  }
  const socket = await transport.bind(address, noTrace);
  closers.push(() => socket.close());
  return socket.local;
}

/** The error binding `address` meets. */
async function occupy(transport: Transport, address: string): Promise<OpError> {
  try {
    await boundAt(transport, address);
  } catch (err) {
    return err as OpError;
  }
  throw new Error(`bound ${address}`);
}

/** A socket file of another Python-made socket: `listen` leaves it listening until the test ends. */
async function pythonSocketFile(path: string, type: SocketType, listen: boolean): Promise<void> {
  const script = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_${type.toUpperCase()})
s.bind(sys.argv[1])
if sys.argv[2] == "listen":
    if s.type != socket.SOCK_DGRAM: s.listen(1)
    print("ready", flush=True)
    sys.stdin.read()
`;
  const peer = new Peer(PYTHON, ["-c", script, path, listen ? "listen" : "stale"]);
  if (listen) await peer.waitFor("ready");
  else await peer.exit();
}

const unixNames = TRANSPORT_NAMES.filter((n) => n.startsWith("unix"));
const inetNames = TRANSPORT_NAMES.filter((n) => !n.startsWith("unix"));

describe.each(unixNames)("%s: the errno, and the path it is about", (name) => {
  const expectError = (err: OpError | undefined, op: string, code: string, address: string) => {
    expect(err).toBeInstanceOf(OpError);
    expect({ op: err?.op, code: err?.code, address: err?.address }).toEqual({ op, code, address });
  };
  const reachOp = (transport: Transport) => (transport.kind === "connection" ? "connect" : "send");
  afterEach(stopAll);

  it("ENOENT when there is no file", async () => {
    const transport = await loadTransport(name);
    const path = join(tempDir(), "missing.sock");
    expectError(await reach(transport, path), reachOp(transport), "ENOENT", path);
  });

  it("ECONNREFUSED for a stale socket file, and for a regular file", async () => {
    requireTool(PYTHON);
    const transport = await loadTransport(name);
    const stale = join(tempDir(), "stale.sock");
    await pythonSocketFile(stale, transport.type, false);
    expectError(await reach(transport, stale), reachOp(transport), "ECONNREFUSED", stale);
    const regular = join(tempDir(), "regular");
    writeFileSync(regular, "not a socket");
    expectError(await reach(transport, regular), reachOp(transport), "ECONNREFUSED", regular);
  });

  it("EPROTOTYPE when a socket of another type is there", async () => {
    requireTool(PYTHON);
    const transport = await loadTransport(name);
    const path = join(tempDir(), "other.sock");
    await pythonSocketFile(path, transport.type === "stream" ? "seqpacket" : "stream", true);
    expectError(await reach(transport, path), reachOp(transport), "EPROTOTYPE", path);
  });

  it("EADDRINUSE when binding over an existing file", async () => {
    requireTool(PYTHON);
    const transport = await loadTransport(name);
    const path = join(tempDir(), "stale.sock");
    await pythonSocketFile(path, transport.type, false);
    const err = await occupy(transport, path);
    expect({ code: err.code, address: err.address }).toEqual({ code: "EADDRINUSE", address: path });
  });

  // node:net would cut such a path, so unix-stream refuses it before any socket is made; the addon
  // passes it whole, and the kernel answers EINVAL (unix(7)), unless not even a sockaddr_storage can
  // carry it (ENAMETOOLONG, no call made). Either way the hint names the length.
  it.each([
    [115, name === "unix-stream" ? "ENAMETOOLONG" : "EINVAL"],
    [200, "ENAMETOOLONG"],
  ])("a path of %i bytes: %s", async (bytes, code) => {
    const transport = await loadTransport(name);
    const dir = tempDir();
    const path = join(dir, "x".repeat(bytes - dir.length - 1));
    expect(Buffer.byteLength(path)).toBe(bytes);
    for (const err of [await occupy(transport, path), await reach(transport, path)]) {
      expect(err.code).toBe(code);
      expect(err.hint).toMatch(`${bytes} bytes, and sun_path holds at most 107`);
    }
  });
});

describe.each(inetNames)("%s: the errno, and the address it is about", (name) => {
  it("EADDRINUSE when the port is taken by a socket of the same type", async () => {
    const transport = await loadTransport(name);
    const taken = await boundAt(transport, addressFor(name)); // the port the kernel chose
    const err = await occupy(transport, taken);
    expect({ code: err.code, address: err.address }).toEqual({ code: "EADDRINUSE", address: taken });
  });
});
