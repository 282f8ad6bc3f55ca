// One suite every transport must pass, in the manner of libp2p's interface-compliance tests:
// the same exchange, in process, on real sockets.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runClient } from "../../src/protocol/client.js";
import { ACK, DEFAULT_PROTOCOL, MESSAGE, WELCOME } from "../../src/protocol/messages.js";
import { type RunningServer, startServer } from "../../src/protocol/server.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import { noTrace, type SocketEvent } from "../../src/trace/events.js";
import { createTracer } from "../../src/trace/tracer.js";
import { loadTransport } from "../../src/transports/index.js";
import type { TransportName } from "../../src/transports/transport.js";
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
