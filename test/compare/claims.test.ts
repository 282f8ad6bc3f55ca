// Every fact `playground compare` states about a transport, checked against the kernel: the
// transport facts a python3 peer finds with plain socket calls (test/peers/transport_facts.py), and
// TCP's round trips counted on the wire by tcpdump. The boundaries column is measured in the run itself.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { Comparison } from "../../src/compare/compare.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import { playground, runProgram } from "../helpers/cli.js";
import { PYTHON, requireTool } from "../helpers/peers.js";

const FACTS = fileURLToPath(new URL("../peers/transport_facts.py", import.meta.url));

interface Facts {
  conn: boolean;
  clientBinds: string;
  reliable: boolean;
  connectedWithoutAccept?: boolean;
}

let comparison: Comparison;

beforeAll(async () => {
  const run = await playground(["compare", "--json", "--duration", "0.2"], 60_000);
  expect(run.code, run.stderr).toBe(0);
  comparison = JSON.parse(run.stdout) as Comparison;
}, 70_000);

const rowOf = (name: string) => comparison.rows.find((r) => r.transport === name);

describe.each(TRANSPORT_NAMES)("compare's %s row, against the kernel", (name) => {
  it("conn, client bind(), reliable and the boundaries say what the kernel does", async () => {
    requireTool(PYTHON);
    const run = await runProgram(PYTHON, [FACTS, name]);
    expect(run.code, run.stderr).toBe(0);
    const facts = JSON.parse(run.stdout) as Facts;
    const row = rowOf(name);
    expect(row).toBeDefined();
    expect({ conn: row?.connectionOriented, clientBinds: row?.clientBinds, reliable: row?.reliable }).toEqual(
      {
        conn: facts.conn,
        clientBinds: facts.clientBinds,
        reliable: facts.reliable,
      },
    );
    // Kept means each send() came back as one recv() of its size in this very run.
    const { sends, reads } = row?.boundaries.observed ?? { sends: [], reads: [] };
    if (row?.boundaries.kept) expect(reads).toEqual(sends);
    else expect(reads.reduce((a, b) => a + b, 0)).toBe(sends.reduce((a, b) => a + b, 0));
    // A unix connect() is completed by the kernel, nothing sent: only the welcome's way is a trip.
    if (facts.connectedWithoutAccept !== undefined) {
      expect(facts.connectedWithoutAccept).toBe(true);
      expect(row?.roundTripsToFirstByte).toBe(0.5);
    }
  });
});

/** tcpdump on loopback, filtered to one port: its lines, once it has stopped. */
function capture(port: string): { ready: Promise<void>; stop(): Promise<string> } {
  const child: ChildProcess = spawn(
    "tcpdump",
    ["-i", "lo", "-nn", "-l", "--immediate-mode", "-q", `tcp port ${port} or udp port ${port}`],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.on("data", (d) => {
      err += d;
      if (err.includes("listening on")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`tcpdump exited ${code}: ${err.trim()}`)));
    child.once("error", reject);
  });
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const stop = async () => {
    setTimeout(() => child.kill("SIGINT"), 200); // the last packets flushed first
    await closed;
    return out;
  };
  return { ready, stop };
}

/** A child's stdout, a line at a time, from one listener. */
function linesOf(child: ChildProcess): { next(): Promise<string> } {
  const ready: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let rest = "";
  child.stdout?.on("data", (chunk) => {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) {
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else ready.push(line);
    }
  });
  return {
    next: () =>
      new Promise((resolve, reject) => {
        const line = ready.shift();
        if (line !== undefined) return resolve(line);
        waiting.push(resolve);
        setTimeout(() => reject(new Error("no line from the python3 session within 5 s")), 5000).unref();
      }),
  };
}

describe.each(["tcp4", "tcp6"])("%s: round trips before the welcome, on the wire", (name) => {
  it("SYN, SYN-ACK, ACK, then the welcome: four one-way trips, the two round trips compare says", async () => {
    requireTool(PYTHON);
    requireTool("tcpdump");
    if (process.getuid?.() !== 0)
      throw new Error("tcpdump on lo needs root: run the tests as root (CI does)");
    const session = spawn(PYTHON, [FACTS, name, "handshake"], { stdio: ["pipe", "pipe", "inherit"] });
    const lines = linesOf(session);
    let dump: ReturnType<typeof capture> | undefined;
    let said = "";
    let port = "";
    try {
      port = await lines.next();
      dump = capture(port);
      await dump.ready;
      session.stdin?.write("go\n");
      expect(JSON.parse(await lines.next())).toEqual({ welcome: "Welcome to the server!" });
    } finally {
      session.kill();
      said = dump ? await dump.stop() : "";
    }
    const packets = said.split("\n").filter((l) => / (IP|IP6) /.test(l));
    // "IP 127.0.0.1.41234 > 127.0.0.1.40000: tcp 0": which way it went, and its length.
    const trips = packets.map((p) => {
      const m = / (\S+)\.(\d+) > (\S+)\.(\d+): tcp (\d+)/.exec(p);
      return { toServer: m?.[4] === port, bytes: Number(m?.[5]) };
    });
    const welcome = trips.findIndex((p) => !p.toServer && p.bytes > 0);
    expect(welcome, packets.join("\n")).toBe(3);
    expect(trips.slice(0, 4).map((p) => p.toServer)).toEqual([true, false, true, false]);
    expect(rowOf(name)?.roundTripsToFirstByte).toBe((welcome + 1) / 2);
  });
});
