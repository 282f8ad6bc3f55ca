// The addon's two calls on node:net sockets (unix-addon/net-calls.ts), against the real kernel:
// - inetPeerName(fd), a TCP socket's peer: the name must be what the client's own socket says it is
//   (its getsockname(2)), and what Node's socket.remoteAddress and remotePort say;
// - shutdownWrite(fd), shutdown(SHUT_WR): the peer reads what was written, then EOF, and can still
//   send; a failure is its code, not a throw.
import { closeSync, openSync } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { loadNative } from "../../src/transports/unix-addon/native.js";
import { peerNameOf } from "../../src/transports/unix-addon/net-calls.js";
import { C, closeAll, connectedPair, recvWhenReady, socket, thrown } from "../helpers/native.js";

const opened: (net.Server | net.Socket)[] = [];
afterEach(async () => {
  const closing = opened
    .splice(0)
    .map((each) =>
      each instanceof net.Server
        ? new Promise((resolve) => each.close(resolve))
        : Promise.resolve(each.destroy()),
    );
  await Promise.all(closing);
  closeAll();
});

/** An accepted socket, and the client socket at the other end, over loopback. */
async function acceptedFrom(listenHost: string, connectHost: string, options: net.ServerOpts = {}) {
  const server = net.createServer(options);
  opened.push(server);
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ port, host: connectHost, allowHalfOpen: true }); // may send after our FIN
  opened.push(client);
  await new Promise<void>((resolve, reject) => client.once("connect", resolve).once("error", reject));
  const socket = await accepted;
  opened.push(socket);
  return { socket, client };
}

const fdOf = (socket: net.Socket) => (socket as unknown as { _handle: { fd: number } })._handle.fd;
const bracketed = (host: string) => (host.includes(":") ? `[${host}]` : host);

describe("inetPeerName()", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1", "127.0.0.1"],
    ["::1", "::1", "::1"],
    // A dual-stack listener names an IPv4 peer as an IPv4-mapped IPv6 address, as Node does.
    ["::", "127.0.0.1", "::ffff:127.0.0.1"],
  ])("on a listener at %s, a client from %s is named %s, at its own port", async (at, from, host) => {
    const { socket, client } = await acceptedFrom(at, from);
    const named = peerNameOf(fdOf(socket));
    expect(named).toBe(`${bracketed(host)}:${client.localPort}`);
    expect(named).toBe(`${bracketed(socket.remoteAddress ?? "")}:${socket.remotePort}`);
  });

  it("is null once the peer has reset the connection (getpeername: ENOTCONN), as Node's answer is then empty", async () => {
    // Paused from the start, the accepted socket reads nothing: Node never sees the reset, and keeps
    // the descriptor open for the kernel to be asked about.
    const { socket, client } = await acceptedFrom("127.0.0.1", "127.0.0.1", { pauseOnConnect: true });
    const named = peerNameOf(fdOf(socket));
    expect(named).toBe(`127.0.0.1:${client.localPort}`);
    await new Promise((resolve) => client.resetAndDestroy().once("close", resolve)); // SO_LINGER 0: an RST
    // On loopback the RST is usually handled within the client's close(); a busy machine may take longer.
    const fd = fdOf(socket);
    const deadline = Date.now() + 5000;
    while (loadNative().inetPeerName(fd) !== null && Date.now() < deadline) await sleep(10);
    expect(loadNative().inetPeerName(fd)).toBeNull();
  });

  it("is null for a socket that is neither AF_INET nor AF_INET6, and refuses a descriptor that is not an integer", () => {
    const [one] = connectedPair(C.SOCK_STREAM);
    expect(loadNative().inetPeerName(one.fd)).toBeNull();
    expect(loadNative().inetPeerName(socket(C.SOCK_DGRAM).fd)).toBeNull();
    expect(thrown(() => loadNative().inetPeerName(1.5))).toBeInstanceOf(TypeError);
  });
});

describe("shutdownWrite()", () => {
  it.each(["127.0.0.1", "::1"])(
    "on TCP at %s: the peer reads what was written, then EOF, and can still send",
    async (host) => {
      const { socket, client } = await acceptedFrom(host, host, { allowHalfOpen: true });
      let read = "";
      client.on("data", (chunk: Buffer) => {
        read += chunk.toString();
      });
      const eof = new Promise((resolve) => client.once("end", resolve));
      await new Promise((resolve) => socket.write("Message received!", resolve));
      expect(loadNative().shutdownWrite(fdOf(socket))).toBeNull();
      await eof;
      expect(read).toBe("Message received!");
      const back = new Promise((resolve) =>
        socket.once("data", (chunk: Buffer) => resolve(chunk.toString())),
      );
      client.write("after our FIN");
      expect(await back).toBe("after our FIN");
    },
  );

  it("on an AF_UNIX stream socket: the peer's recv() returns 0", async () => {
    const [one, other] = connectedPair(C.SOCK_STREAM);
    expect(loadNative().shutdownWrite(one.fd)).toBeNull();
    expect((await recvWhenReady(other)).data.length).toBe(0);
  });

  it("answers the failed call's code instead of throwing, and refuses a descriptor that is not an integer", () => {
    const file = openSync("/dev/null", "r");
    try {
      expect(loadNative().shutdownWrite(file)).toBe("ENOTSOCK");
    } finally {
      closeSync(file);
    }
    expect(loadNative().shutdownWrite(2 ** 30)).toBe("EBADF"); // above any descriptor a process has open
    expect(thrown(() => loadNative().shutdownWrite(1.5))).toBeInstanceOf(TypeError);
  });
});
