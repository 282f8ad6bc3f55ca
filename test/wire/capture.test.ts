// `run --capture` against tcpdump itself: the test runs a second tcpdump of its own on lo around the
// run, reads that capture back with tcpdump, and compares tcpdump's words with what the run drew —
// never through the playground's parser. Real sockets, real packets on loopback.
import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, finished, playground, runProgram } from "../helpers/cli.js";
import { playgroundAs, removeReadableCopy, requireRoot } from "../helpers/other-user.js";
import { requireTool } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(removeTempDirs);

/** A packet as the test's own tcpdump wrote it: wall-clock µs, the line, and the port it went to. */
interface Seen {
  wallUs: number;
  line: string;
}

/**
 * tcpdump on lo around `during`, writing every TCP, UDP and ICMP packet to a file (headers only):
 * the session's port is known only once the run has chosen it, so the file is read back afterwards
 * with that port as the filter.
 */
async function ownCapture<T>(
  during: () => Promise<T>,
): Promise<{ result: T; read(port: number): Promise<Seen[]> }> {
  requireRoot();
  requireTool("tcpdump");
  const file = join(tempDir(), "lo.pcap");
  const args = ["-i", "lo", "-n", "-s", "200", "-B", "16384", "--immediate-mode", "-U", "-w", file];
  const child = spawn("tcpdump", [...args, "tcp or udp or icmp or icmp6"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  await listening(child);
  let result: T;
  try {
    result = await during();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the last ACK reaches the file
  } finally {
    child.kill("SIGINT");
    await new Promise((resolve) => child.once("close", resolve));
  }
  return {
    result,
    async read(port) {
      const filter = `port ${port} or (icmp[0] == 3 and icmp[30:2] == ${port})`;
      const read = await runProgram("tcpdump", ["-r", file, "-n", "-tt", "-S", filter]);
      return read.stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const [seconds = "", micros = ""] = (line.split(" ")[0] ?? "").split(".");
          return { wallUs: Number(seconds) * 1e6 + Number(micros), line };
        });
    },
  };
}

function listening(child: ChildProcess): Promise<void> {
  let said = "";
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (d) => {
      said += d;
      if (said.includes("listening on")) resolve();
    });
    child.once("close", () => reject(new Error(`tcpdump stopped: ${said}`)));
  });
}

/** The NDJSON lines of `run --json`. */
function records(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

type Packet = { flags?: string; length: number; proto: string; from: string; to: string };
const packetsOf = (lines: Record<string, unknown>[]) =>
  lines.filter((r) => r.packet).map((r) => ({ t: r.t as number, ...(r.packet as Packet) }));
const callsOf = (lines: Record<string, unknown>[]) =>
  lines.filter((r) => typeof r.call === "string") as {
    t: number;
    call: string;
    side: string;
    local?: string;
  }[];
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(":") + 1));

describe("run --capture", () => {
  it.each(["tcp4", "tcp6"])(
    "%s: the same packets as tcpdump saw, in its order, with its flags and lengths",
    async (name) => {
      const { result: run, read } = await ownCapture(() =>
        playground(["run", "--transport", name, "--capture", "--json"]),
      );
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const lines = records(run.stdout);
      const bind = callsOf(lines).find((e) => e.call === "bind" && e.side === "server");
      const seen = await read(portOf(bind?.local ?? ""));
      const flagsAndLength = (line: string) => {
        const m = /Flags \[([^\]]*)\].*, length (\d+)/.exec(line);
        return `${m?.[1]} ${m?.[2]}`;
      };
      const ours = packetsOf(lines).map((p) => `${p.flags} ${p.length}`);
      expect(ours).toEqual(seen.map((s) => flagsAndLength(s.line)));
      // The story tcpdump tells: the handshake, the lab's three messages, a FIN from each side.
      expect(ours.slice(0, 3)).toEqual(["S 0", "S. 0", ". 0"]);
      expect(ours.filter((p) => p.startsWith("P."))).toEqual(["P. 22", "P. 34", "P. 17"]);
      expect(ours.filter((p) => p.startsWith("F"))).toHaveLength(2);
      // The handshake is over before accept() returns: the kernel completed it.
      const accept = callsOf(lines).find((e) => e.call === "accept");
      expect(packetsOf(lines)[2]?.t).toBeLessThan(accept?.t as number);
    },
  );

  it("udp4: connect() put nothing on the wire; each send() is one datagram", async () => {
    const { result: run, read } = await ownCapture(() =>
      playground(["run", "--transport", "udp4", "--capture", "--json"]),
    );
    expect(run.code).toBe(0);
    const lines = records(run.stdout);
    const began = lines.find((r) => r.trace === "began") as { origin: { wallUs: number } };
    const origin = began.origin.wallUs;
    const calls = callsOf(lines);
    const bind = calls.find((e) => e.call === "bind" && e.side === "server");
    const seen = await read(portOf(bind?.local ?? ""));
    const connect = calls.find((e) => e.call === "connect") as { t: number };
    const firstSend = calls.find((e) => e.call === "send") as { t: number };
    // tcpdump's own times, placed with the run's origin: nothing between connect() and send().
    const between = seen.filter((s) => s.wallUs - origin > connect.t && s.wallUs - origin < firstSend.t);
    expect(between).toEqual([]);
    const sends = calls.filter((e) => e.call === "send" || e.call === "sendto");
    expect(seen).toHaveLength(sends.length);
    expect(packetsOf(lines).map((p) => `${p.proto} ${p.length}`)).toEqual(
      seen.map((s) => `udp ${/UDP, length (\d+)/.exec(s.line)?.[1]}`),
    );
  });

  it("tcp4 Mermaid: a wire participant with a note per packet", async () => {
    const run = await playground(["run", "--capture", "--format", "mermaid"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("participant W as wire (lo)");
    expect(run.stdout).toMatch(/Note over W: → Flags \[S\], seq \d+, length 0/);
    expect(run.stdout).toMatch(/Note over C: CLOSE → SYN_SENT/);
  });

  it("unix-stream: nothing on the wire, and one line that says why", async () => {
    const run = await playground(["run", "--transport", "unix-stream", "--capture", "--json"]);
    expect(run.code).toBe(0);
    const lines = records(run.stdout);
    expect(packetsOf(lines)).toEqual([]);
    expect(lines.filter((r) => typeof r.note === "string" && r.note.startsWith("no wire:"))).toHaveLength(1);
    const ladder = await playground(["run", "--transport", "unix-stream", "--capture"]);
    expect(ladder.stdout).toMatch(/wire \(none\)[\s\S]*no wire: the kernel moves the bytes/);
  });

  it("tcp4 ladder: a wire lane between the two sides, with tcpdump's words", async () => {
    const run = await playground(["run", "--capture"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/client \(tcp4\) +wire \(lo\) +server \(tcp4\)/);
    expect(run.stdout).toMatch(/─ Flags \[S\], seq \d+, length 0 ─+▶/);
    expect(run.stdout).toMatch(/◀─+ Flags \[S\.\], seq \d+, ack \d+, length 0 ─/);
    for (const line of run.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    // The notes say what the wire showed, and where it is specified.
    const notes = run.stdout.replace(/\n +/g, " ");
    expect(notes).toContain("handshake (SYN, SYN-ACK, ACK: S, S., .) was over before accept() returned");
    expect(notes).toContain("RFC 9293 §3.5");
    expect(notes).toContain("3 segment(s) of 22, 34, 17 bytes");
    // Only TCP's story: nothing said of datagrams (RFC 768) about a TCP run.
    expect(notes).not.toMatch(/datagram|RFC 768/);
  });
});

describe("run --capture: TCP states", () => {
  type State = { from: string; to: string; local: string; remote: string; side: string; source: string };
  const statesOf = (lines: Record<string, unknown>[]) =>
    lines.filter((r) => r.tcpState).map((r) => r.tcpState as State & { listener?: boolean });
  const path = (states: State[]) => [states[0]?.from, ...states.map((s) => s.to)].join(" → ");

  it("tcp4: each side's states from the tracepoint; the client closed first and ss lists it in TIME_WAIT", async () => {
    const run = await playground(["run", "--capture", "--json"]);
    expect(run.code).toBe(0);
    const states = statesOf(records(run.stdout));
    const traced = states.filter((s) => s.source === "tracepoint" && !s.listener);
    expect(path(traced.filter((s) => s.side === "client"))).toBe(
      "CLOSE → SYN_SENT → ESTABLISHED → FIN_WAIT1 → FIN_WAIT2 → CLOSE",
    );
    // The socket accept() returns was made by the kernel from the listener, as LISTEN, on the SYN.
    expect(path(traced.filter((s) => s.side === "server"))).toBe(
      "LISTEN → SYN_RECV → ESTABLISHED → CLOSE_WAIT → LAST_ACK → CLOSE",
    );
    const client = traced.filter((s) => s.side === "client").at(-1) as State;
    // ss, asked here by the test itself: the client's socket is still in TIME_WAIT after the run.
    const ss = await runProgram("ss", ["-Htn", "state", "time-wait", `( sport = :${portOf(client.local)} )`]);
    expect(ss.stdout).toContain(`${client.local} `);
    expect(states.filter((s) => s.source === "ss")).toEqual([
      expect.objectContaining({ to: "TIME_WAIT", side: "client", local: client.local }),
    ]);
  });

  it("Ctrl-C mid-session stops tcpdump and removes the tracefs instance", async () => {
    // The server waits 3 s of quiet for the message's end: the interrupt comes while it waits.
    const child = spawn(
      process.execPath,
      [CLI, "run", "--capture", "--json", "--message-end", "pause:3000"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    await new Promise<void>((resolve) => {
      child.stdout?.on("data", (d) => {
        out += d;
        if (/"side":"client"[^\n]*"call":"send"/.test(out)) resolve(); // the message is on its way
      });
    });
    const port = portOf(
      callsOf(records(out.slice(0, out.lastIndexOf("\n")))).find((e) => e.call === "bind")?.local ?? "",
    );
    child.kill("SIGINT");
    const done = await finished(child, 10_000);
    expect(done.code).toBe(130);
    expect(done.stderr).toContain("interrupted by SIGINT");
    const instances = await runProgram("ls", ["/sys/kernel/tracing/instances"]);
    expect(instances.stdout.split("\n").filter((name) => name.startsWith("playground-"))).toEqual([]);
    const ps = await runProgram("ps", ["-eo", "args"]);
    expect(
      ps.stdout.split("\n").filter((line) => line.startsWith("tcpdump") && line.includes(`port ${port} `)),
    ).toEqual([]);
  });

  it("removes its tracefs instance", async () => {
    const run = await playground(["run", "--capture"]);
    expect(run.code).toBe(0);
    const instances = await runProgram("ls", ["/sys/kernel/tracing/instances"]);
    expect(instances.stdout.split("\n").filter((name) => name.startsWith("playground-"))).toEqual([]);
  });
});

describe("run --capture --trace-syscalls: the call, the system call and the packets of one step", () => {
  it("tcp4: the packets tcpdump saw for the session's port, and the states, beside strace's calls", async () => {
    const { result: run, read } = await ownCapture(() =>
      playground(["run", "--capture", "--trace-syscalls", "--json"], 60_000),
    );
    expect(run.code).toBe(0);
    const lines = records(run.stdout);
    const bind = callsOf(lines).find((e) => e.call === "bind" && e.side === "server");
    expect((bind as { syscalls?: unknown[] }).syscalls?.length).toBeGreaterThan(0);
    const seen = await read(portOf(bind?.local ?? ""));
    const ours = packetsOf(lines).map((p) => `${p.flags} ${p.length}`);
    expect(ours).toEqual(
      seen.map((s) => `${/Flags \[([^\]]*)\]/.exec(s.line)?.[1]} ${/length (\d+)/.exec(s.line)?.[1]}`),
    );
    expect(ours.filter((p) => p.startsWith("P."))).toEqual(["P. 22", "P. 34", "P. 17"]);
    expect(lines.filter((r) => r.tcpState).length).toBeGreaterThan(0);
  });
});

describe("compare --capture", () => {
  it("the traced session's packets per transport, in tcpdump's notation; none for unix", async () => {
    const args = [
      "compare",
      "--capture",
      "--json",
      "--duration",
      "0.3",
      "--transport",
      "tcp4,udp4,unix-stream",
    ];
    const run = await playground(args, 60_000);
    expect(run.code).toBe(0);
    const rows = (
      JSON.parse(run.stdout) as { rows: { transport: string; wire?: { packets: string[]; none?: string } }[] }
    ).rows;
    const wire = Object.fromEntries(rows.map((r) => [r.transport, r.wire]));
    expect(wire.tcp4?.packets.slice(0, 3)).toEqual(["S", "S.", "."]);
    expect(wire.tcp4?.packets.filter((p) => p.startsWith("P."))).toEqual(["P. 22", "P. 34", "P. 17"]);
    expect(wire.udp4?.packets).toEqual(["UDP 23", "UDP 22", "UDP 34", "UDP 17"]);
    expect(wire["unix-stream"]).toEqual({ packets: [], none: expect.stringMatching(/^no wire: /) });
  });

  it("--format markdown has the wire too, a row per transport", async () => {
    const args = [
      "compare",
      "--capture",
      "--format",
      "markdown",
      "--duration",
      "0.2",
      "--transport",
      "tcp4,udp4",
    ];
    const run = await playground(args, 60_000);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\| tcp4 \| S, S\., \., P\. 22, /m);
    expect(run.stdout).toMatch(/^\| udp4 \| UDP 23, UDP 22, UDP 34, UDP 17 \|$/m);
  });
});

/** `experiment NAME --transport TRANSPORT --capture --json`: the one run's evidence. */
async function capturedEvidence(name: string, transport: string): Promise<string[]> {
  const run = await playground(["experiment", name, "--transport", transport, "--capture", "--json"]);
  expect(run.code).toBe(0);
  const [result] = (JSON.parse(run.stdout) as { results: { evidence?: string[] }[] }).results;
  return result?.evidence ?? [];
}

describe("experiment --capture", () => {
  it("connect-no-listener: the SYN, and the RST that refused it, as tcpdump's evidence", async () => {
    const evidence = await capturedEvidence("connect-no-listener", "tcp4");
    const wire = evidence.filter((line) => line.startsWith("wire: "));
    expect(wire.map((line) => /Flags \[([^\]]*)\]/.exec(line)?.[1])).toEqual(["S", "R."]);
  });

  it("close-unread-rst: a reset on the wire instead of a FIN, and the tracepoint's RST sent", async () => {
    const evidence = await capturedEvidence("close-unread-rst", "tcp4");
    expect(evidence.some((line) => /^wire: .*Flags \[R\.?\]/.test(line))).toBe(true);
    expect(evidence.some((line) => /^tcp: \S+ RST sent/.test(line))).toBe(true);
  });

  it("udp-connect-no-listener: ICMP port unreachable for each datagram to the dead port", async () => {
    const evidence = await capturedEvidence("udp-connect-no-listener", "udp4");
    const wire = evidence.filter((line) => line.startsWith("wire: "));
    expect(wire.some((line) => /ICMP 127\.0\.0\.1 udp port \d+ unreachable/.test(line))).toBe(true);
  });
});

describe("experiment --capture: listen-backlog-full", () => {
  it("a client the full queue leaves waiting has its SYN sent again: not refused, retransmitted", async () => {
    const evidence = await capturedEvidence("listen-backlog-full", "tcp4");
    const syns = evidence
      .filter((line) => /^wire: .*Flags \[S\], seq \d+/.test(line))
      .map((line) => /^wire: (\S+) > .*seq (\d+)/.exec(line)?.slice(1).join(" "));
    // The same client port and sequence number twice: the kernel's retransmission (RFC 6298).
    const again = syns.filter((syn, i) => syns.indexOf(syn) !== i);
    expect(again.length).toBeGreaterThan(0);
    expect(evidence.some((line) => /^wire: .*Flags \[R/.test(line))).toBe(false);
  });
});

describe("run --capture refuses in one line", () => {
  it("without tcpdump: which program, how to install it, exit 2, before anything runs", async () => {
    const bin = tempDir();
    const run = await playground(["run", "--capture"], 20_000, { PATH: bin });
    expect(run.stderr).toBe("playground: --capture needs tcpdump: apt-get install tcpdump\n");
    expect(run.stdout).toBe("");
    expect(run.code).toBe(2);
  });

  it("not as root: says so and how, exit 2", async () => {
    requireRoot();
    // nobody (65534), which every Debian has: setpriv execs the CLI as it, with no groups (a copy it can reach).
    const run = await playgroundAs(65534, ["run", "--capture"]).finally(removeReadableCopy);
    expect(run.stderr).toBe(
      "playground: --capture needs root to read packets on lo (tcpdump): run it with sudo\n",
    );
    expect(run.code).toBe(2);
  });

  it("with --format lines: a usage error", async () => {
    const lines = await playground(["run", "--capture", "--format", "lines"]);
    expect(lines.stderr).toMatch(/^playground: --capture places packets by time/);
    expect(lines.code).toBe(2);
  });
});

describe("run --capture: only this session's packets", () => {
  it("datagrams of another protocol sent to the session's port number meanwhile are not drawn", async () => {
    requireRoot();
    requireTool("tcpdump");
    // The run prints its calls as they happen (--json): the listen line names the port to aim at.
    const child = spawn(process.execPath, [CLI, "run", "--capture", "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const done = finished(child, 30_000);
    let seen = "";
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout?.on("data", (d) => {
        seen += d;
        const match = /"call":"listen"[^\n]*"local":"127\.0\.0\.1:(\d+)"/.exec(seen);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", () => reject(new Error(`no listen line: ${seen}`)));
    });
    // UDP to the TCP server's port number, over the whole session: it meets no socket, and its ICMP
    // port unreachable comes back; none of it is the session's.
    const stray = dgram.createSocket("udp4");
    stray.on("error", () => {});
    for (let i = 0; i < 20 && child.exitCode === null; i++) {
      stray.send("stray", port, "127.0.0.1");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stray.close();
    const { code, stdout } = await done;
    expect(code).toBe(0);
    const packets = stdout
      .split("\n")
      .filter((line) => line.includes('"packet"'))
      .map((line) => (JSON.parse(line) as { packet: { proto: string } }).packet);
    expect(packets.length).toBeGreaterThan(8); // the session's own: handshake, data, FINs
    expect(packets.filter((p) => p.proto !== "tcp")).toEqual([]);
  });
});
