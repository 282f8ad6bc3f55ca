// Issue 14, item 2: a peer that sends a dozen hellos to a unix-dgram server and never reads fills its
// own receive queue (net.unix.max_dgram_qlen), so the server's welcomes meet EAGAIN. With
// node-unix-socket that made the server re-create its socket: a new inode (so SIGTERM left it behind),
// the process umask instead of --mode, and a window of ECONNREFUSED for everyone else. The socket file
// must keep its mode, inode and availability for the server's whole life, and go at SIGTERM.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { playground, ServerProcess } from "../helpers/cli.js";
import { Peer, PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

// Binds a path of its own (so the server can answer it), sends `count` hellos, and never reads.
const MUTE = `
import socket, sys
server, own, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(own)
for _ in range(count):
    s.sendto(b"HELLO socket-playground", server)
print("sent", flush=True)
sys.stdin.read()
`;

/** The inode of the socket bound at `path` (/proc/net/unix), which a re-created socket changes. */
function socketInode(path: string): string | undefined {
  const line = readFileSync("/proc/net/unix", "utf8")
    .split("\n")
    .find((l) => l.endsWith(` ${path}`));
  return line?.trim().split(/\s+/)[6];
}

/** What must not change: the file (its inode number may be reused, so its ctime too) and the socket. */
function identity(path: string): string {
  const { ino, ctimeMs, mode } = statSync(path);
  return `file inode ${ino}, ctime ${ctimeMs}, mode ${(mode & 0o777).toString(8)}, socket inode ${socketInode(path)}`;
}

it("unix-dgram --mode 600: a peer that never reads changes nothing about the socket file, and SIGTERM removes it", async () => {
  requireTool(PYTHON);
  const dir = tempDir();
  const path = join(dir, "s.sock");
  const args = ["--transport", "unix-dgram", "--path", path, "--mode", "600", "--drain-timeout", "0.2"];
  const server = track(new ServerProcess(args));
  await server.address();
  const first = identity(path);
  expect(first).toMatch(/mode 600, socket inode \d+$/);

  // Watch the file while the attack runs: every sample must be the same file, with the same mode.
  const changes: string[] = [];
  const sampler = setInterval(() => {
    try {
      const now = identity(path);
      if (now !== first && changes.at(-1) !== now) changes.push(now);
    } catch (err) {
      changes.push((err as NodeJS.ErrnoException).code ?? "gone");
    }
  }, 10);
  try {
    const mute = new Peer(PYTHON, ["-c", MUTE, path, join(dir, "mute.sock"), "12"]);
    await mute.waitFor("sent");
    // Long enough for the server to meet EAGAIN, wait, and give up on the mute peer's welcomes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Another client completes the exchange: the server never went away.
    const other = await playground(["client", "--transport", "unix-dgram", "--path", path, "--timeout", "5"]);
    expect(other.stdout).toContain("Received from server: Message received!");
    expect(other.code).toBe(0);
  } finally {
    clearInterval(sampler);
  }
  expect(changes).toEqual([]);
  expect(identity(path)).toBe(first);

  const stopped = await server.stop("SIGTERM");
  expect(stopped.code).toBe(0);
  expect(existsSync(path)).toBe(false);
});
