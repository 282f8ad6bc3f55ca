// Stopping, crashing and restarting a server, and what happens to its socket file meanwhile: SIGTERM
// lets the sessions in flight finish; a crashed server's file is replaced; a live server's path is
// never taken; what is not a socket is never deleted; the file is 0600 from its first instant; and on
// exit a server removes only its own file.

import { spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, finished, playground, runProgram, ServerProcess } from "../helpers/cli.js";
import { hostPort, Peer, PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const WELCOME = "Welcome to the server!";
const ACK = "Message received!";
const UNIX = ["unix-stream", "unix-seqpacket", "unix-dgram"];

const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await stopAll();
  removeTempDirs();
});

function server(args: string[]): ServerProcess {
  return track(new ServerProcess(args));
}

/** One session with `playground client`; true when it got the welcome and the ack. */
async function served(transport: string, path: string, message = "hi"): Promise<boolean> {
  const result = await playground(["client", "--transport", transport, "--path", path, "--message", message]);
  return result.code === 0 && result.stdout.includes(ACK);
}

/**
 * The server's "listening" line comes before its socket file is linked at the path, and before its
 * SIGTERM handler is installed (reported as a bug): a session through the path is what says that it
 * is up.
 */
async function ready(running: ServerProcess, transport: string, path: string): Promise<void> {
  expect(await running.address()).toBe(path);
  const deadline = Date.now() + 10_000;
  while (!(await served(transport, path, "are you up?"))) {
    if (Date.now() > deadline) throw new Error(`never served at ${path}:\n${running.output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A stream session held open after the welcome, finished by the test. */
class HeldSession {
  readonly socket: net.Socket;
  received = "";
  closed = false;
  readonly ready: Promise<void>;

  constructor(connect: net.NetConnectOpts) {
    const socket = net.connect({ ...connect, allowHalfOpen: true });
    sockets.push(socket);
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    socket.on("end", () => socket.end());
    socket.on("close", () => {
      this.closed = true;
    });
    this.ready = new Promise((resolve, reject) => {
      socket.on("data", (text: string) => {
        this.received += text;
        if (this.received.startsWith(WELCOME)) resolve();
      });
      socket.once("close", () => reject(new Error(`closed before the welcome: ${this.received}`)));
    });
    this.ready.catch(() => {}); // awaited by the test; a rejection nobody awaits must not be unhandled
  }
}

async function until(done: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Try to connect: "connected", or the errno. */
function knock(connect: net.NetConnectOpts): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(connect);
    sockets.push(socket);
    socket.once("connect", () => resolve("connected"));
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "?"));
  });
}

describe.each(["unix-stream", "tcp4"])("%s: SIGTERM during 100 sessions in flight", (transport) => {
  it("stops accepting at once, acks all 100, exits 0, and leaves no socket file", async () => {
    const path = join(tempDir(), "s.sock");
    const where = transport === "tcp4" ? ["--port", "0"] : ["--path", path];
    const running = server(["--transport", transport, ...where, "--drain-timeout", "5"]);
    const address = await running.address();
    if (transport !== "tcp4") await ready(running, transport, path);
    const connect: net.NetConnectOpts =
      transport === "tcp4" ? { host: "127.0.0.1", port: Number(hostPort(address).port) } : { path };

    const sessions = Array.from({ length: 100 }, () => new HeldSession(connect));
    await Promise.all(sessions.map((s) => s.ready));
    running.child.kill("SIGTERM");
    await running.waitFor(/SIGTERM: no new peers; waiting up to 5 s for 100 session\(s\)/);
    expect(["ECONNREFUSED", "ENOENT"]).toContain(await knock(connect));

    // Each message goes out a little after the signal, as a real one would.
    for (const [i, s] of sessions.entries()) setTimeout(() => s.socket.end(`message ${i}\n`), (i % 10) * 5);
    const stopped = await running.exited;
    expect(stopped.code).toBe(0);
    expect(sessions.map((s) => s.received)).toEqual(sessions.map(() => WELCOME + ACK));
    for (let i = 0; i < 100; i++) expect(running.output).toMatch(new RegExp(`: message ${i}\\n`));
    expect(running.output).toContain("Server stopped.");
    if (transport !== "tcp4") expect(existsSync(path)).toBe(false);
  });
});

describe("drain timeout", () => {
  it("a session still open when --drain-timeout runs out is closed, and the server exits 0", async () => {
    const path = join(tempDir(), "s.sock");
    const running = server(["--transport", "unix-stream", "--path", path, "--drain-timeout", "0.3"]);
    await ready(running, "unix-stream", path);
    const held = new HeldSession({ path });
    await held.ready;
    const signalled = performance.now();
    running.child.kill("SIGTERM");
    const stopped = await running.exited;
    const took = performance.now() - signalled;
    expect(stopped.code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2_000);
    await until(
      () => held.closed,
      2_000,
      () => "the held session was never closed",
    );
    expect(held.received).toBe(WELCOME);
    expect(existsSync(path)).toBe(false);
  });
});

describe.each(UNIX)("%s: the socket file", (transport) => {
  it("kill -9, then a restart on the same path replaces the stale file and serves", async () => {
    const path = join(tempDir(), "s.sock");
    const crashed = server(["--transport", transport, "--path", path]);
    await ready(crashed, transport, path);
    expect((await crashed.stop("SIGKILL")).signal).toBe("SIGKILL");
    expect(lstatSync(path).isSocket()).toBe(true); // left behind: connecting to it is refused

    const restarted = server(["--transport", transport, "--path", path]);
    await ready(restarted, transport, path);
    expect((await restarted.stop()).code).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it("a live server's path is not taken: the second exits 2 with one clear line, the first serves on", async () => {
    const path = join(tempDir(), "s.sock");
    const first = server(["--transport", transport, "--path", path]);
    await ready(first, transport, path);
    const { ino } = lstatSync(path);
    const second = await playground(["server", "--transport", transport, "--path", path], 10_000);
    expect(second.code).toBe(2);
    expect(second.stderr).toBe(
      `playground: --path ${path}: a server is already there — stop it first, or choose another --path\n(see playground server --help)\n`,
    );
    expect(lstatSync(path).ino).toBe(ino);
    expect(await served(transport, path)).toBe(true);
    expect(first.child.exitCode).toBe(null);
  });

  it("on exit it removes only its own file: a newer server's file at the path survives", async () => {
    const dir = tempDir();
    const path = join(dir, "s.sock");
    const older = server(["--transport", transport, "--path", path]);
    await ready(older, transport, path);
    // Someone removed the older server's file, and a newer server took the path.
    rmSync(path);
    const newer = server(["--transport", transport, "--path", path]);
    await ready(newer, transport, path);
    const { ino } = lstatSync(path);

    expect((await older.stop()).code).toBe(0);
    expect(lstatSync(path).ino).toBe(ino);
    expect(await served(transport, path, "to the newer one")).toBe(true);
    await newer.waitFor(/to the newer one/);
    expect(older.output).not.toContain("to the newer one");
  });

  it.each([
    ["a regular file", "a file that is not a socket"],
    ["a symlink to a file", "a symlink"],
    ["a dangling symlink", "a symlink"],
    ["a directory", "a directory"],
  ])("%s at the path is never deleted: exit 2 with one clear line", async (what, said) => {
    const dir = tempDir();
    const path = join(dir, "s.sock");
    const target = join(dir, "precious.txt");
    if (what === "a regular file") writeFileSync(path, "precious\n");
    if (what === "a symlink to a file") {
      writeFileSync(target, "precious\n");
      symlinkSync(target, path);
    }
    if (what === "a dangling symlink") symlinkSync(join(dir, "nothing"), path);
    if (what === "a directory") mkdirSync(path);
    const before = lstatSync(path);

    const result = await playground(["server", "--transport", transport, "--path", path], 10_000);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toMatch(
      new RegExp(`^playground: --path ${path} is ${said}, and a server never deletes one — `),
    );
    const after = lstatSync(path);
    expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
    if (what === "a regular file") expect(readFileSync(path, "utf8")).toBe("precious\n");
    if (what.startsWith("a symlink"))
      expect(readlinkSync(path)).toBe(what.endsWith("file") ? target : join(dir, "nothing"));
    if (what === "a symlink to a file") expect(readFileSync(target, "utf8")).toBe("precious\n");
  });
});

// Watches a directory as fast as Python can: every entry, and every entry of any directory in it (the
// server binds in a private directory first), lstat'ed in a tight loop until a stop file appears.
// Prints each (name, mode) seen with a count, and the number of passes made.
const WATCHER = `
import json, os, stat, sys
top, stop = sys.argv[1], sys.argv[2]
seen, passes = {}, 0
print("watching", flush=True)
while True:
    passes += 1
    if passes % 64 == 0 and os.path.exists(stop):
        break
    try:
        entries = list(os.scandir(top))
    except FileNotFoundError:
        continue
    for entry in entries:
        try:
            st = os.lstat(entry.path)
        except FileNotFoundError:
            continue
        name = "private-dir" if stat.S_ISDIR(st.st_mode) else entry.name
        key = (name, stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
        seen[key] = seen.get(key, 0) + 1
        if stat.S_ISDIR(st.st_mode):
            try:
                inner = list(os.scandir(entry.path))
            except FileNotFoundError:
                continue
            for sub in inner:
                try:
                    sst = os.lstat(sub.path)
                except FileNotFoundError:
                    continue
                key = ("private-dir/" + sub.name, stat.S_IFMT(sst.st_mode), stat.S_IMODE(sst.st_mode))
                seen[key] = seen.get(key, 0) + 1
print(json.dumps({"passes": passes, "seen": [[k[0], k[1] == stat.S_IFSOCK, k[2], n] for k, n in seen.items()]}))
`;

interface Watched {
  passes: number;
  /** name, is a socket, permission bits, how many times seen */
  seen: Array<[string, boolean, number, number]>;
}

/** Watch `dir` from before the server starts until it has served a session. */
async function watchWhileStarting(
  dir: string,
  transport: string,
  flags: string[] = [],
): Promise<{ watched: Watched; running: ServerProcess; path: string }> {
  const path = join(dir, "s.sock");
  const stop = join(tempDir(), "stop");
  const watcher = new Peer(PYTHON, ["-c", WATCHER, dir, stop]);
  await watcher.waitFor("watching");
  const running = server(["--transport", transport, "--path", path, ...flags]);
  await ready(running, transport, path);
  writeFileSync(stop, "");
  const done = await watcher.exit(10_000);
  return { watched: JSON.parse(done.stdout.split("\n")[1] as string) as Watched, running, path };
}

describe.each(UNIX)("%s: socket file mode", (transport) => {
  it("is never wider than 0600 at any instant, from the first bind to listening", async () => {
    requireTool(PYTHON);
    const { watched, path } = await watchWhileStarting(tempDir(), transport);
    expect(watched.passes).toBeGreaterThan(100);
    const sockets = watched.seen.filter(([, isSocket]) => isSocket);
    expect(sockets.some(([name]) => name === "s.sock")).toBe(true);
    for (const [name, , mode] of sockets) expect(`${name} ${mode.toString(8)}`).toBe(`${name} 600`);
    for (const [name, , mode] of watched.seen.filter(([name]) => name === "private-dir"))
      expect(`${name} ${mode.toString(8)}`).toBe(`${name} 700`);
    expect((lstatSync(path).mode & 0o777).toString(8)).toBe("600");
  });

  it("--mode 660 gives 660 once listening, and nothing wider before", async () => {
    requireTool(PYTHON);
    const { watched, running, path } = await watchWhileStarting(tempDir(), transport, ["--mode", "660"]);
    expect((lstatSync(path).mode & 0o777).toString(8)).toBe("660");
    // Bound 0600 (umask 0177), then chmod to 660: nothing else, ever.
    for (const [name, , mode] of watched.seen.filter(([, isSocket]) => isSocket))
      expect([`${name} 600`, `${name} 660`]).toContain(`${name} ${mode.toString(8)}`);
    expect((await running.stop()).code).toBe(0);
  });
});

// A stop is a stop, however it is asked for: a closed terminal (SIGHUP) drains and cleans up as
// Ctrl-C does, and a server whose output goes nowhere any more (EPIPE: `playground server | head -1`)
// still removes its socket file as it exits.
describe.each(["unix-stream", "unix-dgram", "unix-seqpacket"])("%s: other ways to stop", (transport) => {
  it("SIGHUP: exit 0, socket file removed", async () => {
    const path = join(tempDir(), "s.sock");
    const server = track(new ServerProcess(["--transport", transport, "--path", path]));
    await server.address();
    expect(existsSync(path)).toBe(true);
    const stopped = await server.stop("SIGHUP");
    expect(stopped.code, server.output).toBe(0);
    expect(server.output).toMatch(/SIGHUP: no new peers/);
    expect(existsSync(path)).toBe(false);
  });

  it("its output closed (EPIPE) on the next line: it exits, socket file removed", async () => {
    const path = join(tempDir(), "s.sock");
    const child = spawn(process.execPath, [CLI, "server", "--transport", transport, "--path", path], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = finished(child, 20_000);
    await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
    child.stdout?.destroy(); // the reader went away, as `| head -1` does
    // A session makes the server write its next lines, into the closed pipe.
    await runClient(transport, path);
    const done = await exited;
    expect(done.signal).toBeNull();
    expect(existsSync(path)).toBe(false);
  });
});

/** One session with `playground client`, whatever becomes of it. */
function runClient(transport: string, path: string) {
  return playground(["client", "--transport", transport, "--path", path, "--timeout", "3"]);
}

// Servers started at once on one path: exactly one wins, and every other exits 2 with one line saying
// a server is already there, never "listening", never left running at a private name; with a stale
// file there too. (The attack run that found it started 50 to 100 at once.)
describe.each(["unix-stream", "unix-dgram", "unix-seqpacket"])("%s: start races", (transport) => {
  it.each(["no file", "a stale file"])("20 starts at once on one path, %s there: one wins", async (there) => {
    requireTool(PYTHON);
    const path = join(tempDir(), "s.sock");
    if (there === "a stale file") {
      const stale = await runProgram(PYTHON, [
        "-c",
        "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
        path,
      ]);
      expect(stale.code).toBe(0);
    }
    const servers = Array.from(
      { length: 20 },
      () => new ServerProcess(["--transport", transport, "--path", path]),
    );
    try {
      // Each loser exits by itself; the one left is the winner. Wait for 19 exits, or 15 s.
      const losers: Awaited<ServerProcess["exited"]>[] = [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 15_000);
        for (const s of servers) {
          void s.exited.then((done) => {
            losers.push(done);
            if (losers.length >= 19) {
              clearTimeout(timer);
              setTimeout(resolve, 200); // a twentieth exit would show too
            }
          });
        }
      });
      const exited = losers;
      expect(exited).toHaveLength(19);
      for (const l of exited) {
        expect(l?.code).toBe(2);
        expect(l?.stdout).toBe("");
        expect(l?.stderr).toBe(
          `playground: --path ${path}: a server is already there — stop it first, or choose another --path\n(see playground server --help)\n`,
        );
      }
      const winner = servers.find((s) => s.child.exitCode === null) as ServerProcess;
      expect(winner.output).toMatch(/Server is (listening on|bound to)/);
      expect(await served(transport, path)).toBe(true);
    } finally {
      await Promise.all(servers.map((s) => s.stop("SIGKILL")));
    }
  });
});

describe.each(["unix-stream", "unix-dgram"])("%s: a second signal while draining", (transport) => {
  it("stops at once, without waiting for the sessions, and still removes the socket file", async () => {
    const path = join(tempDir(), "s.sock");
    const server = track(
      new ServerProcess(["--transport", transport, "--path", path, "--drain-timeout", "30"]),
    );
    await server.address();
    // A session that never finishes keeps the drain waiting.
    requireTool("nc");
    const held = track(
      new Peer(
        "nc",
        transport === "unix-dgram" ? ["-uU", "-s", join(tempDir(), "c.sock"), path] : ["-U", path],
      ),
    );
    if (transport === "unix-dgram") held.write("hello, a long hello\n");
    await held.waitFor("Welcome to the server!");
    server.child.kill("SIGTERM");
    await server.waitFor(/SIGTERM: no new peers/);
    const stopped = await server.stop("SIGINT");
    expect(server.output).toMatch(/SIGINT again: stopping now/);
    expect(stopped.code).toBe(130);
    expect(existsSync(path)).toBe(false);
  });
});
