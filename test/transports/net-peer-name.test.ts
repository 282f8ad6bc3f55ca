// How a TCP server's connection learns its peer (net-node.ts remoteOf()): through the addon's
// inetPeerName() where the addon is there (peer-name.ts peerNameOf()), through Node's handle.getpeername() where it is not, and
// the same name either way: the address and port the client's own socket has.
import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { noTrace } from "../../src/trace/events.js";
import { parseInet } from "../../src/transports/address.js";
import { loadTransport } from "../../src/transports/index.js";
import type { Connection, ConnectionTransport, Listener } from "../../src/transports/transport.js";
import type * as PeerName from "../../src/transports/unix-addon/peer-name.js";
import { preparePeerNames } from "../../src/transports/unix-addon/peer-name.js";

/** Whether the addon is there (else its call answers undefined, as without a built addon), and how often it was asked. */
const addon = vi.hoisted(() => ({ there: true, asked: 0 }));
vi.mock("../../src/transports/unix-addon/peer-name.js", async (original) => {
  const real = await original<typeof PeerName>();
  return {
    ...real,
    peerNameOf: (fd: number) => {
      addon.asked++;
      return addon.there ? real.peerNameOf(fd) : undefined;
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
});

/** One accepted connection on `name` over loopback, and the client at its other end. */
async function accepted(name: "tcp4" | "tcp6") {
  const transport = (await loadTransport(name)) as ConnectionTransport;
  const opened: (typeof open)[number] = {};
  open.push(opened);
  let take: (connection: Connection) => void = () => {};
  const connected = new Promise<Connection>((resolve) => {
    take = resolve;
  });
  const host = name === "tcp4" ? "127.0.0.1" : "::1";
  opened.listener = await transport.listen(name === "tcp4" ? `${host}:0` : `[${host}]:0`, take, noTrace);
  const client = net.connect(parseInet(opened.listener.address).port, host);
  opened.client = client;
  opened.connection = await connected;
  await new Promise<void>((resolve, reject) => client.once("connect", resolve).once("error", reject));
  const named = name === "tcp4" ? `${host}:${client.localPort}` : `[${host}]:${client.localPort}`;
  return { connection: opened.connection, named };
}

describe.each(["tcp4", "tcp6"] as const)("%s", (name) => {
  it("names the peer through the addon, by the client's own address and port", async () => {
    addon.there = true;
    // The addon is built, with the call: else the real peerNameOf() answers undefined, and Node's way
    // would pass this test unseen.
    expect(preparePeerNames()).not.toBeNull();
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
