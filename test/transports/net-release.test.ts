// A closed node:net connection lets go of its session. Node keeps a closed socket, and all it
// reaches, alive through the next young-generation GC, which then copies all of it to the old
// generation: a session still reachable from its socket was copied with it, every session (about
// 2,500 instructions a session of a busy server, scripts/instructions-per-session.sh).
import net from "node:net";
import { join } from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { noTrace } from "../../src/trace/events.js";
import { parseInet } from "../../src/transports/address.js";
import { loadTransport } from "../../src/transports/index.js";
import type { Connection, ConnectionHandlers, ConnectionTransport } from "../../src/transports/transport.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

afterEach(removeTempDirs);

describe.each(["tcp4", "unix-stream"] as const)("%s", (name) => {
  it("a closed connection keeps no reference to its handlers", async () => {
    const transport = (await loadTransport(name)) as ConnectionTransport;
    const address = name === "tcp4" ? "127.0.0.1:0" : join(tempDir(), "s.sock");
    let kept: Connection | undefined;
    let handlers: WeakRef<ConnectionHandlers> | undefined;
    let closed: () => void = () => {};
    const sessionClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const listener = await transport.listen(
      address,
      (connection) => {
        kept = connection; // the connection, and through it its socket, stay reachable
        const session: ConnectionHandlers = { data: () => connection.end(), end: () => {}, close: closed };
        handlers = new WeakRef(session);
        connection.setHandlers(session);
      },
      noTrace,
    );
    const peer = name === "tcp4" ? net.connect(parseInet(listener.address)) : net.connect(listener.address);
    try {
      peer.on("error", () => {}); // a failure shows as the session never closing
      peer.on("connect", () => peer.end("hello"));
      peer.resume();
      await sessionClosed;
      // A WeakRef's target lives to the end of the turn that read it: collect in a later one.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      expect(kept).toBeDefined();
      expect(handlers).toBeDefined();
      expect(handlers?.deref()).toBeUndefined();
    } finally {
      peer.destroy();
      await listener.close();
    }
  });
});
