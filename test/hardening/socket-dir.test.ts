// A server run as root must never change the mode of a file an attacker chooses. The attack: another
// user who can write to the directory of --path swaps the socket file for a symlink between bind()
// and a chmod(), and the server's chmod() changes the symlink's target. So the socket gets --mode as
// bind() makes it (no chmod at all), and a directory another user can write to without the sticky
// bit is refused. The attacker here is a real second user, made for the test and removed after it.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { playground, playgroundUnderStrace, ServerProcess } from "../helpers/cli.js";
import { asUserArgs, makeUser, removeUser, requireRoot } from "../helpers/other-user.js";
import { requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const UNIX = ["unix-stream", "unix-dgram", "unix-seqpacket"] as const;
const ATTACKER = `pgattack${process.pid % 100000}`;

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

describe.each(UNIX)("%s --mode: the socket file gets its mode as bind() makes it", (transport) => {
  it("--mode 666 with no chmod(2) anywhere (strace), and the file is 0666 while the server runs", async () => {
    requireTool("strace");
    const dir = tempDir();
    const path = join(dir, "s.sock");
    const log = join(tempDir(), "strace.log");
    const child = playgroundUnderStrace("chmod,fchmod,fchmodat", log, serverArgs(transport, path, "666"));
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    const exited = new Promise((resolve) => child.once("close", resolve));
    try {
      for (let i = 0; i < 200 && !/Server is (listening on|bound to)/.test(out); i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(out).toMatch(/Server is (listening on|bound to)/);
      expect((statSync(path).mode & 0o777).toString(8)).toBe("666");
    } finally {
      // SIGTERM to the server, not to strace (which would only let go of it); then strace ends too.
      spawnSync("pkill", ["-TERM", "-f", `^${process.execPath} .*--path ${path}`]);
      await exited;
    }
    const calls = readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => /chmod/.test(l));
    expect(calls).toEqual([]);
  });
});

function serverArgs(transport: string, path: string, mode: string): string[] {
  return ["server", "--transport", transport, "--path", path, "--mode", mode];
}

describe("a directory other users can write to", () => {
  it.each(UNIX)(
    "%s: refused without the sticky bit (exit 2, one line); fine with it, as in /tmp",
    async (transport) => {
      const dir = tempDir();
      chmodSync(dir, 0o777);
      const refused = await playground(["server", "--transport", transport, "--path", join(dir, "s.sock")]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        new RegExp(
          `--path ${dir}/s.sock: the directory ${dir} can be written by every user and has no sticky bit`,
        ),
      );
      expect(refused.stderr.trim().split("\n")[0]).toMatch(/^playground: /);
      chmodSync(dir, 0o1777);
      const server = track(new ServerProcess(["--transport", transport, "--path", join(dir, "s.sock")]));
      expect(await server.address()).toBe(join(dir, "s.sock"));
    },
  );

  it("a shared directory higher up is refused too: anyone could swap the one below it", async () => {
    const shared = tempDir();
    chmodSync(shared, 0o777);
    const mine = join(shared, "mine");
    mkdirSync(mine, 0o700);
    const refused = await playground([
      "server",
      "--transport",
      "unix-stream",
      "--path",
      join(mine, "s.sock"),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`the directory ${shared} can be written by every user`));
  });

  it("another user's directory is refused too", async () => {
    requireRoot();
    const dir = tempDir();
    chownSync(dir, 65534, 65534); // nobody
    chmodSync(dir, 0o755);
    const refused = await playground(["server", "--transport", "unix-stream", "--path", join(dir, "s.sock")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/belongs to another user \(uid 65534\)/);
  });
});

describe("the attack: another user swaps the socket for a symlink to a root-owned file", () => {
  let uid = 0;
  beforeAll(() => {
    uid = makeUser(ATTACKER);
  });
  afterAll(() => removeUser(ATTACKER));

  it("10 starts of unix-dgram with --mode 666 in a shared directory leave the target 0600", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o777); // writable by the attacker, no sticky bit
    const target = join(tempDir(), "secret");
    writeFileSync(target, "root only\n", { mode: 0o600 });
    const path = join(dir, "s.sock");
    // As the other user, until killed: whenever a socket file appears at the path, rename a symlink to
    // the target over it: one rename(2), no fork, so it lands within microseconds. perl, which Debian
    // always has (perl-base), not python3: the other user may not reach root's python.
    const swap = 'my ($p, $t) = @ARGV; while (1) { if (-S $p) { symlink($t, "$p.x"); rename("$p.x", $p); } }';
    const attacker = spawn(...asUserArgs(uid, "perl", ["-e", swap, path, target]), { stdio: "ignore" });
    const attackerGone = new Promise((resolve) => attacker.once("close", resolve));
    try {
      for (let i = 0; i < 10; i++) {
        const run = await playground(
          ["server", "--transport", "unix-dgram", "--path", path, "--mode", "666", "--idle-timeout", "1"],
          3_000,
        );
        expect(run.code, run.stderr).toBe(2); // refused: it never serves from a shared directory
        expect(run.stderr).toMatch(/can be written by every user and has no sticky bit/);
        expect((statSync(target).mode & 0o777).toString(8)).toBe("600");
      }
    } finally {
      attacker.kill("SIGKILL");
      await attackerGone;
    }
    expect(existsSync(target)).toBe(true);
  });
});

describe("the turn a start takes (.<name>.lock)", () => {
  it("another user's turn beside the path is never taken over: exit 2, naming it", async () => {
    requireRoot();
    const dir = tempDir();
    const path = join(dir, "s.sock");
    const turn = join(dir, ".s.sock.lock");
    mkdirSync(turn);
    chownSync(turn, 65534, 65534); // nobody's
    const run = await playground(["server", "--transport", "unix-stream", "--path", path], 20_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${turn} belongs to another user \\(uid 65534\\)`));
    expect(existsSync(turn)).toBe(true);
  });
});
