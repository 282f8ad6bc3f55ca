// The two things only a unix socket can do, run as `playground experiment` runs them, with a python3
// peer making the plain calls: peer-credentials (SO_PEERCRED, SCM_CREDENTIALS) and fd-passing
// (SCM_RIGHTS). What the kernel said must be the python3 peer's own pid, uid and gid, or its own open
// file; a peer that lies about itself (a sitecustomize.py on PYTHONPATH patches os.getpid, os.getuid or
// socket.send_fds in it) must make the verdict "differs".
import { readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fdPassing, PASSED_FILE } from "../../src/experiments/fd-passing.js";
import { runExperiment } from "../../src/experiments/runner.js";
import type { TransportName } from "../../src/transports/transport.js";
import { playground } from "../helpers/cli.js";
import { PYTHON, requireTool } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(removeTempDirs);

interface RunResult {
  transport: string;
  verdict: string;
  observed?: string;
  reason?: string;
  evidence?: string[];
}

const UNIX: TransportName[] = ["unix-stream", "unix-dgram", "unix-seqpacket"];

/** `playground experiment NAME --transport LIST --json`: its results; PYTHONPATH=`patches` when given. */
async function experiment(name: string, transports: string[], patches?: string): Promise<RunResult[]> {
  requireTool(PYTHON);
  const env = patches ? { PYTHONPATH: patches } : {};
  const run = await playground(
    ["experiment", name, "--transport", transports.join(","), "--json"],
    20_000,
    env,
  );
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { results: RunResult[] }).results;
}

/** A dir holding a sitecustomize.py, which python3 runs at start-up when the dir is on PYTHONPATH. */
function pythonPatchedWith(code: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, "sitecustomize.py"), code);
  return dir;
}

/** The numbers after "pid", "uid", "gid" in an evidence line. */
function credentialsIn(line: string | undefined): { pid: number; uid: number; gid: number } {
  const number = (field: string) => Number(new RegExp(`${field}\\W+(\\d+)`).exec(line ?? "")?.[1]);
  return { pid: number("pid"), uid: number("uid"), gid: number("gid") };
}

describe("peer-credentials", () => {
  it("the kernel names the python3 peer's own pid, uid and gid on every unix type; an inet socket cannot", async () => {
    const results = await experiment("peer-credentials", [...UNIX, "tcp4"]);
    expect(results.find((r) => r.transport === "tcp4")).toMatchObject({
      verdict: "not applicable",
      reason: expect.stringMatching(/^No inet socket can/),
    });
    for (const transport of UNIX) {
      const result = results.find((r) => r.transport === transport);
      expect(result, transport).toMatchObject({ verdict: "matches", observed: "pid, uid, gid of the peer" });
      const [peer, ...kernel] = result?.evidence ?? [];
      // The pid spawn() gave us, which the peer cannot choose, and what python3 itself said.
      const [, spawned, own, uid, gid] =
        /spawned as pid (\d+): os.getpid\(\) (\d+), os.getuid\(\) (\d+), os.getgid\(\) (\d+)/.exec(
          peer ?? "",
        ) ?? [];
      expect(own, transport).toBe(spawned);
      expect(Number(uid)).toBe(process.getuid?.());
      expect(Number(gid)).toBe(process.getgid?.());
      const fromKernel = kernel.filter((line) => /SO_PEERCRED|SCM_CREDENTIALS/.test(line));
      expect(fromKernel.length, transport).toBeGreaterThan(0);
      for (const line of fromKernel)
        expect(credentialsIn(line), `${transport}: ${line}`).toEqual({
          pid: Number(spawned),
          uid: Number(uid),
          gid: Number(gid),
        });
    }
  });

  it("a peer that says a wrong pid or uid gets 'differs': the kernel's answer is not the peer's word", async () => {
    const liar = pythonPatchedWith(
      "import os\n_pid = os.getpid\nos.getpid = lambda: _pid() + 1\nos.getuid = lambda: 4242\n",
    );
    const results = await experiment("peer-credentials", ["unix-stream", "unix-dgram"], liar);
    for (const result of results) {
      expect(result.verdict, result.transport).toBe("differs");
      const [, kernelPid, claimedPid] = /^pid (\d+), not the peer's (\d+)/.exec(result.observed ?? "") ?? [];
      expect(Number(claimedPid), result.observed).toBe(Number(kernelPid) + 1);
      expect(result.observed).toContain(`uid ${process.getuid?.()}, not the peer's 4242`);
    }
  });
});

describe("fd-passing", () => {
  it("the descriptor python3 sent is its open file: same inode, and the read goes on from its offset", async () => {
    const results = await experiment("fd-passing", [...UNIX, "udp4"]);
    expect(results.find((r) => r.transport === "udp4")).toMatchObject({
      verdict: "not applicable",
      reason: expect.stringMatching(/^No inet socket can/),
    });
    for (const transport of UNIX) {
      const result = results.find((r) => r.transport === transport);
      expect(result, transport).toMatchObject({
        verdict: "matches",
        observed: "same open file, shared offset",
      });
      const evidence = (result?.evidence ?? []).join("\n");
      const sent = /the sender's fd \d+: st_dev (\d+), st_ino (\d+)/.exec(evidence);
      const got = /received fd \d+ -> .*\(deleted\): st_dev (\d+), st_ino (\d+), 0 links/.exec(evidence);
      expect(got?.slice(1), evidence).toEqual(sent?.slice(1));
      expect(evidence).toContain(`read "only a descriptor"`);
      expect(evidence).toContain(`read() on it from the shared offset: " leads to this line`);
    }
  });

  it("a peer that sends another file gets 'differs'", async () => {
    const swapper = pythonPatchedWith(
      "import os, socket\n_send = socket.send_fds\n" +
        "socket.send_fds = lambda sock, buffers, fds, *rest: _send(sock, buffers, [os.open('/dev/null', os.O_RDONLY)], *rest)\n",
    );
    const [result] = await experiment("fd-passing", ["unix-seqpacket"], swapper);
    expect(result).toMatchObject({ verdict: "differs", observed: expect.stringMatching(/^another file/) });
  });

  it("closes every descriptor it received: none is left in /proc/self/fd", async () => {
    requireTool(PYTHON);
    const fds = () => readdirSync("/proc/self/fd");
    const passed = () =>
      fds().filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).includes(PASSED_FILE);
        } catch {
          return false; // readdir's own descriptor, closed by now
        }
      });
    const before = fds().length;
    const runs = await runExperiment(fdPassing, UNIX);
    expect(runs.map((r) => r.result.verdict)).toEqual(["matches", "matches", "matches"]);
    expect(passed()).toEqual([]);
    expect(fds().length).toBe(before);
  });
});
