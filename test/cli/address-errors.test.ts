// Every error about an address names the --path or address the user gave, says what is wrong with it,
// and gives a fix for that family: a directory for a unix path, a port for inet; never Node's own
// message (`EACCES: permission denied, mkdtemp '/usr/.s.sock-XXXXXX'`), never the other family's fix.
// EACCES needs a user who is not root: one is made for these tests and removed after them.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Finished, playground, ServerProcess } from "../helpers/cli.js";
import { makeUser, playgroundAs, removeUser } from "../helpers/other-user.js";
import { PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const UNIX = ["unix-stream", "unix-dgram", "unix-seqpacket"] as const;
const USER = `pgpath${process.pid % 100000}`;

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

/** One line naming `given`; a unix path's fix never speaks of ports, an address's never of paths. */
function expectAbout(run: Finished, given: string, family: "unix" | "inet", wrong: RegExp): void {
  expect(run.code, run.stderr).not.toBe(0);
  const [line = "", ...rest] = run.stderr.trim().split("\n");
  expect(
    rest.filter((l) => !/^\(see playground (\w+ )?--help\)$/.test(l)),
    run.stderr,
  ).toEqual([]);
  expect(line).toMatch(/^playground: /);
  expect(line).toContain(given);
  expect(line).toMatch(wrong);
  expect(line).not.toMatch(/\b(mkdtemp|mkdir|realpath|stat|lstat) '/); // Node's own message
  if (family === "unix") expect(line).not.toMatch(/--port|\bports?\b/i);
  else expect(line).not.toMatch(/--path|directory/);
}

describe.each(UNIX)("%s: a --path that cannot be a socket", (transport) => {
  it.each(["run", "server"])("%s --path <a directory>: names it, says it is a directory", async (command) => {
    const dir = tempDir();
    const run = await playground([command, "--transport", transport, "--path", dir]);
    expect(run.code).toBe(2);
    expectAbout(
      run,
      dir,
      "unix",
      /is a directory, and a server never deletes one — name a socket file instead/,
    );
  });

  // A client binds nothing: its fix is the server's path, never a file to make or a directory to create.
  it.each([
    [
      "a directory",
      () => tempDir(),
      /is a directory, so no server is bound there — give the --path the server/,
    ],
    [
      "a path in a directory that does not exist",
      () => join(tempDir(), "gone", "s.sock"),
      /does not exist, so no server is bound there — give the --path the server/,
    ],
  ])("client --path <%s>: speaks of the server to connect to", async (_, pathOf, message) => {
    const path = pathOf();
    const run = await playground(["client", "--transport", transport, "--path", path]);
    expect(run.code).toBe(2);
    expectAbout(run, path, "unix", message);
    expect(run.stderr).not.toMatch(/never deletes|create it|name a socket file/);
  });

  it("run --path <a regular file>: not a socket, and never deleted", async () => {
    const file = join(tempDir(), "notes.txt");
    writeFileSync(file, "mine\n");
    const run = await playground(["run", "--transport", transport, "--path", file]);
    expect(run.code).toBe(2);
    expectAbout(run, file, "unix", /is a file that is not a socket/);
  });

  it("run --path <a socket file a dead server left>: not 'another socket is bound', but how to clear it", async () => {
    const path = join(tempDir(), "stale.sock");
    // A server that exits without close(): its socket file stays, with no socket behind it.
    const left = spawnSync(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`,
    ]);
    expect(left.status).toBe(0);
    const run = await playground(["run", "--transport", transport, "--path", path]);
    expect(run.code).toBe(1);
    expectAbout(
      run,
      path,
      "unix",
      /EADDRINUSE .*remove the file if none does \(a crashed server leaves one\)/,
    );
  });

  it("server --path in a directory no file can be made in (/proc)", async () => {
    const run = await playground(["server", "--transport", transport, "--path", "/proc/sp.sock"]);
    expect(run.code).toBe(2);
    expectAbout(run, "/proc/sp.sock", "unix", /no file can be made in \/proc/);
  });
});

describe.each(UNIX)("%s: an abstract name nobody holds", (transport) => {
  it("ECONNREFUSED, and the hint speaks of the network namespace, not of a file", async () => {
    const name = `@pg-nobody-${process.pid}-${transport}`;
    const run = await playground(["client", "--transport", transport, "--path", name]);
    expect(run.code).toBe(1);
    const line = run.stderr.trim().split("\n").at(-1) ?? "";
    expect(line).toMatch(
      new RegExp(
        `^playground: (connect|send) ECONNREFUSED ${name}: no socket holds that abstract name in this network namespace`,
      ),
    );
  });
});

describe("as a user who is not root", () => {
  let uid = 0;
  beforeAll(() => {
    uid = makeUser(USER);
  });
  afterAll(() => removeUser(USER));

  /** A directory the user may enter but not write to, and one it may not even enter. */
  function closedDirs(): { readOnly: string; shut: string } {
    const top = tempDir();
    chmodSync(top, 0o755);
    const readOnly = join(top, "read-only");
    const shut = join(top, "shut");
    mkdirSync(readOnly, 0o755);
    mkdirSync(shut, 0o700);
    return { readOnly, shut };
  }

  it.each(UNIX)(
    "%s: server and run in a directory it cannot write to: the directory, not a port",
    async (transport) => {
      const { readOnly } = closedDirs();
      const path = join(readOnly, "s.sock");
      for (const command of ["server", "run"]) {
        const run = await playgroundAs(uid, [command, "--transport", transport, "--path", path]);
        expectAbout(run, path, "unix", new RegExp(`may not make (a file|files) in ${readOnly}`));
      }
    },
  );

  it.each(UNIX)(
    "%s: a path through a directory it may not enter: says so, not 'does not exist'",
    async (transport) => {
      const { shut } = closedDirs();
      const path = join(shut, "s.sock");
      for (const command of ["server", "run", "client"]) {
        const run = await playgroundAs(uid, [command, "--transport", transport, "--path", path]);
        expect(run.code).toBe(2);
        expectAbout(run, path, "unix", /may not enter .*, or a directory above it \(EACCES\)/);
      }
    },
  );

  it.each(UNIX)(
    "%s: a stale socket file of root's in a sticky directory: left alone, and said so — never Node's error",
    async (transport) => {
      requireTool(PYTHON);
      const top = tempDir();
      chmodSync(top, 0o755);
      const sticky = join(top, "sticky");
      mkdirSync(sticky);
      chmodSync(sticky, 0o1777); // as /tmp is
      for (const mode of [0o777, 0o755]) {
        const path = join(sticky, `stale-${mode.toString(8)}.sock`);
        execFileSync(PYTHON, ["-c", STALE_SOCKET_FILE, path]);
        chmodSync(path, mode);
        const run = await playgroundAs(uid, ["server", "--transport", transport, "--path", path]);
        expect(run.code, run.stderr).toBe(2);
        expectAbout(run, path, "unix", /left by a server of another user \(uid 0\).*not yours to remove/);
        expect(existsSync(path)).toBe(true);
      }
    },
  );

  it.each(["tcp4", "udp4"])("%s: a port below 1024: privileges, and a port to choose", async (transport) => {
    const run = await playgroundAs(uid, ["server", "--transport", transport, "--port", "80"]);
    expect(run.code).toBe(1);
    expectAbout(
      run,
      "127.0.0.1:80",
      "inet",
      /bind EACCES .*a port below 1024 needs privileges — choose --port 1024/,
    );
  });
});

describe("an address already taken", () => {
  it.each(["tcp4", "tcp6", "udp4", "udp6"])(
    "%s: bind EADDRINUSE, with a --port to choose",
    async (transport) => {
      const first = track(new ServerProcess(["--transport", transport, "--port", "0"]));
      const address = await first.address();
      const port = address.slice(address.lastIndexOf(":") + 1);
      const second = await playground(["server", "--transport", transport, "--port", port]);
      expect(second.code).toBe(1);
      expectAbout(
        second,
        address,
        "inet",
        /bind EADDRINUSE .*bound to this port — stop its server, or choose another --port/,
      );
    },
  );
});

describe("a unix path whose socket is of another type", () => {
  it.each([
    ["unix-stream", "unix-dgram"],
    ["unix-seqpacket", "unix-stream"],
    ["unix-dgram", "unix-stream"],
    ["unix-stream", "unix-seqpacket"],
  ])(
    "%s client, %s server there: EPROTOTYPE and the --type to use, never 'nothing is listening'",
    async (client, server) => {
      const path = join(tempDir(), "s.sock");
      await track(new ServerProcess(["--transport", server, "--path", path])).address();
      const run = await playground(["client", "--transport", client, "--path", path, "--timeout", "2"]);
      expect(run.code).toBe(1);
      expectAbout(
        run,
        path,
        "unix",
        /EPROTOTYPE .*: the socket at this path is of another type — use the --type/,
      );
    },
  );
});

/** A socket file with no socket behind it: bound, then closed (the file stays: unix(7)). */
const STALE_SOCKET_FILE = `
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.close()
`;
