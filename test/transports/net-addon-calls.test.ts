// The addon's two calls on node:net sockets (unix-addon/net-calls.ts), seen from net-node.ts's
// connections, each where the addon is there and where it is not:
// - how a TCP server's connection learns its peer (remoteOf()): through inetPeerName(), or Node's
//   handle.getpeername(), and the same name either way: the address and port the client's own socket has;
// - how a connection shuts its side (end()): through shutdownWrite() where the kernel has every byte,
//   or Node's socket.end(), and the same either way for the peer: the reply, then EOF; and the socket
//   closes once the peer is done too.
import net from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { noTrace } from "../../src/trace/events.js";
import { parseInet } from "../../src/transports/address.js";
import { loadTransport } from "../../src/transports/index.js";
import type {
  Connection,
  ConnectionHandlers,
  ConnectionTransport,
  Listener,
} from "../../src/transports/transport.js";
import type * as NetCalls from "../../src/transports/unix-addon/net-calls.js";
import { prepareNetCalls } from "../../src/transports/unix-addon/net-calls.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

/** Whether the addon is there (else its calls answer undefined, as without a built addon), and how often each was asked. */
const addon = vi.hoisted(() => ({ there: true, asked: 0, shut: 0, fails: undefined as string | undefined }));
vi.mock("../../src/transports/unix-addon/net-calls.js", async (original) => {
  const real = await original<typeof NetCalls>();
  return {
    ...real,
    peerNameOf: (fd: number) => {
      addon.asked++;
      return addon.there ? real.peerNameOf(fd) : undefined;
    },
    shutdownWriteOf: (fd: number) => {
      addon.shut++;
      if (!addon.there) return undefined;
      return addon.fails ?? real.shutdownWriteOf(fd); // a failure as the call would answer it
    },
  };
});

const open: { listener?: Listener; client?: net.Socket; connection?: Connection }[] = [];
afterEach(async () => {
  for (const { listener, client, connection } of open.splice(0)) {
    client?.destroy();
    connection?.destroy();
    await listener?.close();
  }
  addon.asked = 0;
  addon.shut = 0;
  addon.fails = undefined;
});
afterAll(removeTempDirs);

/** One accepted connection on `name` over loopback (or a socket file), and the client at its other end. */
async function accepted(name: "tcp4" | "tcp6" | "unix-stream") {
  const transport = (await loadTransport(name)) as ConnectionTransport;
  const opened: (typeof open)[number] = {};
  open.push(opened);
  let take: (connection: Connection) => void = () => {};
  const connected = new Promise<Connection>((resolve) => {
    take = resolve;
  });
  const host = name === "tcp4" ? "127.0.0.1" : "::1";
  const at = { tcp4: `${host}:0`, tcp6: `[${host}]:0`, "unix-stream": join(tempDir(), "s") }[name];
  opened.listener = await transport.listen(at, take, noTrace);
  const address = opened.listener.address;
  // Half-open allowed, as our own client is: a client that reads our FIN can still send.
  const where = name === "unix-stream" ? { path: address } : { port: parseInet(address).port, host };
  const client = net.connect({ ...where, allowHalfOpen: true });
  opened.client = client;
  const clientConnected = new Promise<void>((resolve, reject) =>
    client.once("connect", resolve).once("error", reject),
  );
  opened.connection = await connected;
  await clientConnected;
  const named = name === "tcp4" ? `${host}:${client.localPort}` : `[${host}]:${client.localPort}`;
  return { connection: opened.connection, named, client };
}

/** What a connection's handlers heard, in order. */
function heard(connection: Connection) {
  const events: string[] = [];
  let closed: () => void = () => {};
  const close = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const handlers: ConnectionHandlers = {
    data: (chunk) => void events.push(`data ${chunk}`),
    end: () => void events.push("end"),
    close: (err) => {
      events.push(err ? `close ${err.code}` : "close");
      closed();
    },
  };
  connection.setHandlers(handlers);
  return { events, close };
}

/** Everything the client reads until the server's EOF. */
function readToEof(client: net.Socket): Promise<string> {
  let text = "";
  client.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return new Promise((resolve) => client.once("end", () => resolve(text)));
}

describe.each(["tcp4", "tcp6"] as const)("%s", (name) => {
  it("names the peer through the addon, by the client's own address and port", async () => {
    addon.there = true;
    // The addon is built, with the call: else the real peerNameOf() answers undefined, and Node's way
    // would pass this test unseen.
    expect(prepareNetCalls()).not.toBeNull();
    const { connection, named } = await accepted(name);
    expect(connection.remote).toBe(named);
    expect(addon.asked).toBe(1);
    expect(connection.remote).toBe(named); // learned once, and kept
    expect(addon.asked).toBe(1);
  });

  it("names it the same through Node's handle.getpeername() where the addon is not there", async () => {
    addon.there = false;
    const { connection, named } = await accepted(name);
    expect(connection.remote).toBe(named);
    expect(addon.asked).toBe(1);
  });
});

describe.each(["tcp4", "tcp6", "unix-stream"] as const)("%s: end()", (name) => {
  it.each([
    [true, "shutdownWrite() (addon)"],
    [false, "socket.end()"],
  ])(
    "addon there: %s: shuts with %s; the peer reads the reply, then EOF, and the socket closes once the peer is done too",
    async (there, via) => {
      addon.there = there;
      if (there) expect(prepareNetCalls()?.shutdownWrite).toBe(true); // else Node's way would pass unseen
      const { connection, client } = await accepted(name);
      const { events, close } = heard(connection);
      const read = readToEof(client);
      expect(connection.writeNow(Buffer.from("Message received!"))).toBe(true);
      expect(connection.end()).toBe(via);
      expect(addon.shut).toBe(1);
      expect(await read).toBe("Message received!");
      // Half-closed, not closed: what the peer sends after our FIN still arrives.
      client.end("after");
      await close;
      expect(events).toEqual(["data after", "end", "close"]);
    },
  );

  it("closes at once where the peer had shut its side first, with no 'end' left to come", async () => {
    addon.there = true;
    const { connection, client } = await accepted(name);
    const { events, close } = heard(connection);
    const read = readToEof(client);
    client.end();
    await vi.waitFor(() => expect(events).toEqual(["end"]));
    expect(connection.end()).toBe("shutdownWrite() (addon)");
    expect(await read).toBe("");
    await close;
    expect(events).toEqual(["end", "close"]);
  });

  it("leaves it to Node's socket.end() while written bytes still wait for the kernel, and a second end() too", async () => {
    addon.there = true;
    const { connection, client } = await accepted(name);
    client.pause(); // reads nothing: the kernel's buffers fill, and the rest waits in Node
    const { close } = heard(connection);
    const chunk = Buffer.alloc(1024 * 1024);
    let written = 0;
    while (connection.writeNow(chunk)) written++;
    expect(written).toBeLessThan(1024); // the kernel took less than a GiB
    expect(connection.end()).toBe("socket.end()");
    expect(connection.end()).toBe("socket.end()");
    expect(addon.shut).toBe(0);
    client.destroy();
    await close;
  });

  it("leaves it to Node's socket.end() before handlers are set, with nothing to close a shut socket", async () => {
    addon.there = true;
    const { connection, client } = await accepted(name);
    const read = readToEof(client);
    expect(connection.end()).toBe("socket.end()");
    expect(addon.shut).toBe(0);
    expect(await read).toBe("");
  });

  it("says so where the addon's call failed, and shuts and closes Node's way", async () => {
    addon.there = true;
    addon.fails = "ENOTCONN";
    const { connection, client } = await accepted(name);
    const { events, close } = heard(connection);
    const read = readToEof(client);
    expect(connection.end()).toBe("socket.end(), after the addon's shutdown() failed: ENOTCONN");
    expect(addon.shut).toBe(1);
    expect(await read).toBe("");
    client.end();
    await close;
    expect(events).toEqual(["end", "close"]);
  });
});
