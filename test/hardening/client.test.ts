// `playground client` against servers that misbehave: --timeout bounds the whole session, a reply
// is capped, and exit 0 means the lab's ack arrived — anything else says what the server did.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { playground, ServerProcess } from "../helpers/cli.js";
import { fullListener, Peer, PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const ROGUE = fileURLToPath(new URL("../peers/rogue_server.py", import.meta.url));

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

/** A rogue server (test/peers/rogue_server.py) listening, and the client's run against it. */
async function against(mode: string, kind: "stream" | "seqpacket", timeout = "2") {
  requireTool(PYTHON);
  const path = join(tempDir(), "rogue.sock");
  const rogue = track(new Peer(PYTHON, [ROGUE, mode, kind, path]));
  await rogue.waitFor("ready");
  // The test's own limit is far above --timeout: a client that ignored it would be killed and fail.
  const run = await playground(
    ["client", "--transport", `unix-${kind}`, "--path", path, "--timeout", timeout],
    20_000,
  );
  return run;
}

describe.each(["stream", "seqpacket"] as const)("unix-%s: the client's end", (kind) => {
  it("a server that acks and never closes: exit 0 once --timeout has run out, not when the server quits", async () => {
    const run = await against("no-close", kind);
    expect(run.signal).toBeNull();
    expect(run.stdout).toContain("Received from server: Message received!");
    expect(run.code, run.stderr).toBe(0);
  });

  it("a server that sends without end: exit 1, a reply capped, well before the test's own limit", async () => {
    const run = await against("endless", kind, "10");
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      kind === "stream"
        ? /EMSGSIZE .*more than 65536 bytes without finishing a reply/
        : /EPROTO .*not the ack/,
    );
  });

  it("a huge reply: exit 1, never 0", async () => {
    const run = await against("huge", kind);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(kind === "stream" ? /EMSGSIZE/ : /EPROTO|EMSGSIZE/);
  });

  it("the ack with a line ending: exit 0, the line ending is no part of it", async () => {
    const run = await against("newline", kind);
    expect(run.code, run.stderr).toBe(0);
  });

  it('"nope" instead of the ack: exit 1, saying what the server answered', async () => {
    const run = await against("garbage", kind);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/recv EPROTO .*: the server answered "nope", not the ack "Message received!"/);
  });
});

describe("a full server", () => {
  it("the client turned away says the server is busy, and exits 1", async () => {
    const path = join(tempDir(), "s.sock");
    const server = track(
      new ServerProcess(["--transport", "unix-stream", "--path", path, "--max-connections", "1"]),
    );
    await server.address();
    requireTool("nc");
    const holder = track(new Peer("nc", ["-U", path]));
    await holder.waitFor("Welcome to the server!");
    const run = await playground(["client", "--transport", "unix-stream", "--path", path, "--timeout", "3"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /recv EBUSY .*: the server is full and turned this client away \("busy: too many connections, try again later"\)/,
    );
  });
});

describe("a connect() that never completes", () => {
  it("tcp4 to a listener whose accept queue is full: ETIMEDOUT at --timeout, and the process exits", async () => {
    requireTool(PYTHON);
    const [, port = ""] = await fullListener();
    const run = await playground(["client", "--port", port, "--timeout", "2"], 15_000);
    expect(run.signal).toBeNull(); // it exited by itself, long before the test's limit
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ETIMEDOUT .*no connection within 2 s/);
  });
});

describe("exit 0 only when the ack came; otherwise the line says what the server did", () => {
  /** A real `playground server` with --max-message-bytes 5 on `transport`, and its address flags. */
  async function strictServer(transport: string): Promise<string[]> {
    const where = transport.startsWith("unix") ? ["--path", join(tempDir(), "s.sock")] : ["--port", "0"];
    const server = track(new ServerProcess(["--transport", transport, ...where, "--max-message-bytes", "5"]));
    const address = await server.address();
    return transport.startsWith("unix")
      ? ["--transport", transport, "--path", address]
      : ["--transport", transport, "--port", address.slice(address.lastIndexOf(":") + 1)];
  }

  it.each(["tcp4", "unix-stream", "unix-seqpacket", "udp4", "unix-dgram"])(
    "%s: a message over the server's limit exits 1 with the server's error line",
    async (transport) => {
      const run = await playground(["client", ...(await strictServer(transport)), "--timeout", "3"]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/: the server answered "error: message longer than 5 bytes", not the ack/);
    },
  );

  it.each(["tcp4", "unix-stream"])(
    '%s: --message "" exits 1 saying the message was empty, not that the server reset anything',
    async (transport) => {
      const run = await playground(["client", ...(await strictServer(transport)), "--message", ""]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        /recv EOF .*: the server closed the connection before the ack — the message was empty/,
      );
      expect(run.stderr).not.toMatch(/ECONNRESET|said "Welcome/);
    },
  );

  // A seqpacket record of 0 bytes is a record: the playground's server tells it from EOF (POLLRDHUP).
  it.each(["udp4", "unix-dgram", "unix-seqpacket"])(
    '%s: --message "" is an empty datagram or record, and it is acked: exit 0',
    async (transport) => {
      const run = await playground(["client", ...(await strictServer(transport)), "--message", ""]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain("Received from server: Message received!");
    },
  );

  it("tcp4, over --max-connections: exit 1 with the busy line, and no message sent into it", async () => {
    const server = track(new ServerProcess(["--port", "0", "--max-connections", "1"]));
    const port = (await server.address()).split(":")[1] as string;
    requireTool("nc");
    const holder = track(new Peer("nc", ["127.0.0.1", port]));
    await holder.waitFor("Welcome to the server!");
    const run = await playground(["client", "--port", port, "--format", "ladder", "--timeout", "3"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^playground: recv EBUSY 127\.0\.0\.1:\d+: the server is full and turned this client away/,
    );
    expect(run.stdout).not.toMatch(/send\(/);
  });
});
