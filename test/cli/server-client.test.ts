// `playground server` and `playground client` in separate processes, as in the lab's two terminals.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TRANSPORTS } from "../../src/transports/facts.js";
import { playground, ServerProcess } from "../helpers/cli.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop("SIGKILL");
  removeTempDirs();
});

function start(args: string[]): ServerProcess {
  const server = new ServerProcess(args);
  servers.push(server);
  return server;
}

/** Server flags for a fresh address, and the client flags that reach it once it is up. */
async function serve(name: string): Promise<{ server: ServerProcess; clientArgs: string[]; path?: string }> {
  if (name.startsWith("unix")) {
    const path = join(tempDir(), "sp.sock");
    const server = start(["--transport", name, "--path", path]);
    await server.address();
    return { server, clientArgs: ["client", "--transport", name, "--path", path], path };
  }
  const server = start(["--transport", name, "--port", "0"]);
  const port = (await server.address()).split(":").at(-1) as string;
  return { server, clientArgs: ["client", "--transport", name, "--port", port] };
}

describe.each(TRANSPORTS)("$name: server and client processes", ({ name }) => {
  it("client prints welcome then ack and exits 0; SIGTERM stops the server cleanly", async () => {
    const { server, clientArgs, path } = await serve(name);
    const [a, b] = await Promise.all([
      playground(clientArgs),
      playground([...clientArgs, "--message", "second"]),
    ]);
    for (const result of [a, b]) {
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe(
        "Received from server: Welcome to the server!\nReceived from server: Message received!\n",
      );
      expect(result.code).toBe(0);
    }
    await server.waitFor(/Received from client \(session \d\): second/);
    await server.waitFor(/Received from client \(session \d\): Hello, Server! This is the client\./);
    const stopped = await server.stop("SIGTERM");
    expect(stopped.code).toBe(0);
    expect(server.output).toContain("Server stopped.");
    if (path) expect(existsSync(path)).toBe(false);
  });
});

describe("how much the server says", () => {
  it("prints the lab's lines by default, and every socket call of a session with --log-level debug", async () => {
    const quiet = start(["--transport", "tcp4", "--port", "0"]);
    const loud = start(["--transport", "tcp4", "--port", "0", "--log-level", "debug"]);
    for (const server of [quiet, loud]) {
      const port = (await server.address()).split(":").at(-1) as string;
      expect((await playground(["client", "--port", port])).code).toBe(0);
      await server.waitFor(/close\(\)|Received from client/);
    }
    await loud.waitFor(/server session 1: close\(\)/);
    for (const call of ["accept", "send", "recv", "shutdown", "close"]) {
      expect(loud.output).toMatch(new RegExp(`server session 1: ${call}\\(\\)`));
    }
    await quiet.stop("SIGTERM");
    expect(quiet.output).toMatch(/Connection from 127\.0\.0\.1:\d+ has been established\./);
    expect(quiet.output).toContain("Received from client (session 1): Hello, Server! This is the client.");
    expect(quiet.output).not.toMatch(/send\(\)|close\(\)/);
  });
});

describe("failures a user meets", () => {
  it("a client with nothing to talk to: one line naming the errno, exit 1", async () => {
    const { code, stderr } = await playground(["client", "--port", "1"]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "playground: connect ECONNREFUSED 127.0.0.1:1: nothing is listening there — start `playground server --port 1` first\n",
    );
  });

  it("a unix client with no socket file: ENOENT and the command that would fix it", async () => {
    const path = join(tempDir(), "none.sock");
    const { code, stderr } = await playground(["client", "--transport", "unix-seqpacket", "--path", path]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `playground: connect ENOENT ${path}: no socket file at this path — start \`playground server --transport unix-seqpacket --path ${path}\` first\n`,
    );
  });

  it.each(["0", "-1", "3000000"])(
    "a server limit of %s seconds: one line with the range, exit 2",
    async (value) => {
      const { code, stderr } = await playground(["server", "--port", "0", "--idle-timeout", value]);
      expect(code).toBe(2);
      expect(stderr).toBe(
        `playground: --idle-timeout ${value}: ${value === "3000000" ? "too large" : "too small"}; give seconds, a number above 0 and at most 2147483 (24 days)\n` +
          "(see playground server --help)\n",
      );
    },
  );

  it("a second server on a busy port: EADDRINUSE, and the first keeps serving", async () => {
    const { clientArgs } = await serve("tcp4");
    const port = clientArgs.at(-1) as string;
    const second = await playground(["server", "--port", port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /^playground: bind EADDRINUSE 127\.0\.0\.1:\d+: another socket is already bound to this port/,
    );
    expect((await playground(clientArgs)).code).toBe(0);
  });
});
