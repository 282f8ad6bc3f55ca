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
  });
  const stop = () =>
    new Promise<string>((resolve) => {
      setTimeout(() => child.kill("SIGINT"), 200); // the last packets flushed first
      child.once("close", () => resolve(out));
    });
  return { ready, stop };
}

describe.each(["tcp4", "tcp6"])("%s: round trips before the welcome, on the wire", (name) => {
  it("SYN, SYN-ACK, ACK, then the welcome: four one-way trips, the two round trips compare says", async () => {
    requireTool(PYTHON);
    requireTool("tcpdump");
    if (process.getuid?.() !== 0)
      throw new Error("tcpdump on lo needs root: run the tests as root (CI does)");
    const session = spawn(PYTHON, [FACTS, name, "handshake"], { stdio: ["pipe", "pipe", "inherit"] });
    let said = "";
    const line = (n: number) =>
      new Promise<string>((resolve) => {
        const check = () => {
          const lines = said.split("\n");
          if (lines.length > n) resolve(lines[n - 1] as string);
        };
        session.stdout?.on("data", (d) => {
          said += d;
          check();
        });
        check();
      });
    const port = await line(1);
    const dump = capture(port);
    await dump.ready;
    session.stdin?.write("go\n");
    expect(JSON.parse(await line(2))).toEqual({ welcome: "Welcome to the server!" });
    const packets = (await dump.stop()).split("\n").filter((l) => / (IP|IP6) /.test(l));
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
