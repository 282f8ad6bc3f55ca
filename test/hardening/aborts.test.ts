// 1,000 sessions aborted at random points against one `playground server`: TCP resets (RST, from
// socket.resetAndDestroy(), which sets SO_LINGER 0), destroy() at random moments, and client processes
// killed with SIGKILL while their sessions are open. Then a healthy session must still get its ack,
// the server must still be running, and its session count must return to zero.
//
// The observables: the server's --json record has one accept and one close event per session, so
// "every session ended" is accepts === closes; and on SIGTERM the server says how many sessions it
// is still waiting for, which must be 0. The idle and message timeouts are set far above the time the
// test takes, so sessions must end because of the aborts themselves, not be swept up by a timer.
import { existsSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SocketEvent } from "../../src/trace/events.js";
import { playground, ServerProcess } from "../helpers/cli.js";
import { seededRandom } from "../helpers/fault-proxy.js";
import { hostPort, Peer, PYTHON, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const SESSIONS = 1_000;
const KILLED_PROCESSES = 10;
const SESSIONS_PER_PROCESS = 10; // 100 of the 1,000 die with their process
const AT_ONCE = 50;

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

type Point = "at connect" | "after a random wait" | "after the welcome" | "mid-message" | "after the message";
const POINTS: Point[] = [
  "at connect",
  "after a random wait",
  "after the welcome",
  "mid-message",
  "after the message",
];

/** One session, aborted at `point` by a reset (TCP only) or destroy(); resolves once the socket is gone. */
function abortedSession(connect: net.NetConnectOpts, point: Point, reset: boolean, waitMs: number) {
  return new Promise<void>((resolve) => {
    const socket = net.connect({ ...connect, allowHalfOpen: true });
    socket.on("error", () => {}); // the server may reset us first: that is part of the game
    socket.on("close", () => resolve());
    const abort = () => (reset ? socket.resetAndDestroy() : socket.destroy());
    socket.once("connect", () => {
      if (point === "at connect") return abort();
      if (point === "after a random wait") return void setTimeout(abort, waitMs);
      socket.once("data", () => {
        if (point === "after the welcome") return abort();
        socket.write(point === "mid-message" ? "Hello, Ser" : "Hello, Server!\n", () => abort());
      });
    });
  });
}

// A client process with several sessions at different stages (connected; welcome read; part of a
// message sent; the whole message sent, ack unread), killed with SIGKILL by the test: the kernel
// closes its sockets, with a reset where data was left unread.
const DOOMED_CLIENT = `
import socket, sys, time
family = socket.AF_UNIX if sys.argv[1].startswith("/") else socket.AF_INET
where = sys.argv[1] if family == socket.AF_UNIX else (sys.argv[1], int(sys.argv[2]))
held = []
for i in range(int(sys.argv[3])):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.connect(where)
    stage = i % 4
    if stage >= 1:
        s.recv(1024)
    if stage == 2:
        s.sendall(b"Hello, Ser")
    if stage == 3:
        s.sendall(b"Hello, Server!\\n")
    held.append(s)
print("ready", flush=True)
time.sleep(60)
`;

function serverEvents(server: ServerProcess): SocketEvent[] {
  return server.output
    .split("\n")
    .filter((line) => line.startsWith("{") && line.endsWith("}"))
    .map((line) => JSON.parse(line) as SocketEvent);
}

/** Sessions the server opened and closed, from its own record. */
function sessionCounts(server: ServerProcess): { accepted: number; closed: number } {
  const sessions = serverEvents(server).filter((e) => e.side === "server" && e.session !== undefined);
  return {
    accepted: sessions.filter((e) => e.call === "accept").length,
    closed: sessions.filter((e) => e.call === "close").length,
  };
}

describe.each([
  { transport: "tcp4", resets: true },
  { transport: "unix-stream", resets: false }, // a unix socket has no RST; a killed peer still resets it
])("$transport: 1,000 sessions aborted at random points", ({ transport, resets }) => {
  it("never crash the server or leak a session; a healthy session still gets its ack", async () => {
    requireTool(PYTHON);
    const seed = Number(process.env.ABORT_SEED ?? Date.now() % 1_000_000);
    const next = seededRandom(seed);
    const unix = transport.startsWith("unix");
    const where = unix ? ["--path", join(tempDir(), "a.sock")] : ["--port", "0"];
    const limits = ["--idle-timeout", "30", "--message-timeout", "30", "--max-connections", "4096"];
    const server = track(new ServerProcess(["--transport", transport, ...where, "--json", ...limits]));
    const address = (await server.waitFor(/"call":"listen"[^\n]*?"local":"([^"]+)"/))[1] as string;
    // The listen event comes before the socket file is linked at its path (reported as a bug).
    for (let i = 0; unix && !existsSync(address) && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    const connect: net.NetConnectOpts = unix
      ? { path: address }
      : { host: hostPort(address).host, port: Number(hostPort(address).port) };
    const started = performance.now();

    // 100 sessions die with their processes, while the other 900 are aborted around them.
    const args = unix ? [address, "0"] : [hostPort(address).host, hostPort(address).port];
    const doomed = Array.from(
      { length: KILLED_PROCESSES },
      () => new Peer(PYTHON, ["-c", DOOMED_CLIENT, ...args, String(SESSIONS_PER_PROCESS)]),
    );
    const killed = Promise.all(
      doomed.map(async (peer) => {
        await peer.waitFor("ready", 10_000);
        peer.child.kill("SIGKILL");
        await peer.exited;
      }),
    );

    const plans = Array.from({ length: SESSIONS - KILLED_PROCESSES * SESSIONS_PER_PROCESS }, () => ({
      point: POINTS[Math.floor(next() * POINTS.length)] as Point,
      reset: resets && next() < 0.5,
      waitMs: Math.floor(next() * 20),
    }));
    let taken = 0;
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        while (taken < plans.length) {
          const plan = plans[taken++];
          if (plan) await abortedSession(connect, plan.point, plan.reset, plan.waitMs);
        }
      }),
    );
    await killed;

    const healthy = await playground(["client", "--transport", transport, ...clientAddress(address, unix)]);
    expect(healthy.stderr, `seed ${seed}`).toBe("");
    expect(healthy.stdout).toContain("Received from server: Message received!");
    expect(server.child.exitCode, `the server died (seed ${seed}):\n${server.output.slice(-2000)}`).toBe(
      null,
    );

    // Every session the server accepted has ended, without waiting for any timeout.
    const deadline = Date.now() + 5_000;
    let counts = sessionCounts(server);
    while (counts.accepted !== counts.closed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      counts = sessionCounts(server);
    }
    expect(counts.closed, `seed ${seed}`).toBe(counts.accepted);
    expect(counts.accepted, `seed ${seed}`).toBeGreaterThanOrEqual(SESSIONS * 0.95);
    expect(performance.now() - started).toBeLessThan(15_000);

    const stopped = await server.stop("SIGTERM");
    expect(server.output).toMatch(/"note":"SIGTERM: no new peers; waiting up to 5 s for 0 session\(s\)"/);
    expect(stopped.code).toBe(0);
  });
});

function clientAddress(address: string, unix: boolean): string[] {
  return unix ? ["--path", address] : ["--port", hostPort(address).port];
}
