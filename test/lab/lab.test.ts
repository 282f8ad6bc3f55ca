// --hosts two: the lab of two network namespaces, built for real (root, as CI runs), with the exchange
// across it, the lab experiments' verdicts (each checked by python3 peers inside the namespaces), and
// what is left afterwards — nothing of a run's own after a normal exit or SIGINT; after a SIGKILL its
// namespaces stay, until the next run removes them first. Each run is its own process, so its lab is
// named by its own pid: the cases run at once without meeting.
import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI, type Finished, finished, playground } from "../helpers/cli.js";
import { playgroundAs, removeReadableCopy, requireRoot } from "../helpers/other-user.js";
import { requireTool } from "../helpers/peers.js";

function requireLab(): void {
  requireRoot();
  requireTool("ip");
  requireTool("nft");
}

/** The namespaces the tool made for the run with this pid (spg-<pid>-server, spg-<pid>-client). */
function namespacesOf(pid: number): string[] {
  const listed = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
  return listed
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name === `spg-${pid}-server` || name === `spg-${pid}-client`);
}

/** The CLI as a child whose pid names its lab; finished() as it ends. */
function start(args: string[]): { pid: number; done: Promise<Finished>; child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  return { pid: child.pid as number, done: finished(child, 60_000), child };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("waited in vain");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.concurrent("run --hosts two", () => {
  for (const transport of ["tcp4", "tcp6", "udp4", "udp6"] as const) {
    it(`runs the exchange on ${transport} across the lab, and leaves no namespace behind`, async () => {
      requireLab();
      const run = start(["--hosts", "two", "--transport", transport, "--json"]);
      const { code, stdout, stderr } = await run.done;
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const events = stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .filter((r) => typeof r.call === "string");
      const v6 = transport.endsWith("6");
      const server = v6 ? "fd77:77::1" : "169.254.77.1";
      // The server bound its lab address; the client's socket had the other host's.
      const bind = events.find((e) => e.side === "server" && e.call === "bind");
      expect(bind.local).toContain(server);
      const ack = events.find(
        (e) => e.side === "client" && /^recv/.test(e.call) && e.preview === "Message received!",
      );
      expect(ack).toBeDefined();
      const clientLocal = events.find((e) => e.side === "client" && e.local)?.local ?? "";
      const connect = events.find((e) => e.side === "client" && e.call === "connect");
      expect(connect.remote).toContain(server);
      expect(clientLocal).not.toContain("127.0.0.1");
      // Both sides on one time axis: the server's bind() before the client's connect().
      expect(bind.t).toBeLessThan(connect.t);
      expect(namespacesOf(run.pid)).toEqual([]);
    });
  }

  it("draws the ladder with each lane's host", async () => {
    requireLab();
    const run = start(["--hosts", "two", "--transport", "tcp4"]);
    const { code, stdout } = await run.done;
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `client \\(tcp4\\).*server \\(tcp4\\)\\n.*netns spg-${run.pid}-client.*netns spg-${run.pid}-server\\n.*169\\.254\\.77\\.2 .*169\\.254\\.77\\.1`,
      ),
    );
    expect(stdout).toContain("Message received!");
  });

  it("--firewall unreachable is EHOSTUNREACH; --firewall reject on UDP is ECONNREFUSED; a failed run leaves nothing", async () => {
    requireLab();
    const tcp = start(["--hosts", "two", "--firewall", "unreachable", "--format", "lines"]);
    const tcpDone = await tcp.done;
    expect(tcpDone.code).toBe(1);
    expect(tcpDone.stderr).toMatch(/^playground: connect EHOSTUNREACH 169\.254\.77\.1:\d+/);
    expect(namespacesOf(tcp.pid)).toEqual([]);
    const udp = start(["--hosts", "two", "--transport", "udp6", "--firewall", "reject", "--format", "lines"]);
    const udpDone = await udp.done;
    expect(udpDone.code).toBe(1);
    expect(udpDone.stderr).toMatch(/ECONNREFUSED \[fd77:77::1\]:\d+/);
    // A server was there: the hint must not send the user off to start one as if nothing were.
    expect(udpDone.stderr).toMatch(/or a firewall rejected it/);
    expect(udpDone.stderr).not.toMatch(/nothing is listening there —/);
    expect(namespacesOf(udp.pid)).toEqual([]);
  });

  // nft's numgen takes no bound above 99: 100 % is a rule of its own, which drops every packet.
  it("--loss 100 builds the lab and loses everything: connect and the datagrams time out, and nothing is left", async () => {
    requireLab();
    const runs = (["tcp4", "udp6"] as const).map((transport) =>
      start([
        "--hosts",
        "two",
        "--transport",
        transport,
        "--loss",
        "100",
        "--timeout",
        "1",
        "--format",
        "lines",
      ]),
    );
    const [tcp, udp] = await Promise.all(runs.map((run) => run.done));
    expect(tcp?.stdout).toContain("(loss 100 % each way)");
    expect(tcp?.stderr).toMatch(
      /^playground: connect ETIMEDOUT 169\.254\.77\.1:\d+: no connection within 1 s\n$/,
    );
    expect(tcp?.code).toBe(1);
    expect(udp?.stderr).toMatch(/^playground: recv ETIMEDOUT \[fd77:77::1\]:\d+: no welcome within/);
    expect(udp?.code).toBe(1);
    for (const run of runs) expect(namespacesOf(run.pid)).toEqual([]);
  });

  it("--capture draws the link's packets, read by tcpdump on the server host's end", async () => {
    requireLab();
    requireTool("tcpdump");
    const run = start(["--hosts", "two", "--capture", "--json"]);
    const { code, stdout } = await run.done;
    expect(code).toBe(0);
    const packets = stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line).packet)
      .filter(Boolean);
    // The handshake as tcpdump saw it on spg<pid>s, the client's host to the server's and back.
    expect(packets.slice(0, 3).map((p) => `${p.sender} ${p.flags}`)).toEqual([
      "client S",
      "server S.",
      "client .",
    ]);
    expect(packets[0].from).toMatch(/^169\.254\.77\.2:\d+$/);
    expect(packets[0].to).toMatch(/^169\.254\.77\.1:\d+$/);
    expect(namespacesOf(run.pid)).toEqual([]);
  });

  it("--firewall unreachable on UDP: the wire shows ICMP host unreachable, and the note says why UDP hears nothing", async () => {
    requireLab();
    requireTool("tcpdump");
    const run = start([
      "--hosts",
      "two",
      "--transport",
      "udp4",
      "--firewall",
      "unreachable",
      "--capture",
      "--timeout",
      "2",
    ]);
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stdout).toMatch(/ICMP host 169\.254\.77\.1 unreachable/);
    expect(stdout.replace(/\n\s+/g, " ")).toContain(
      "for UDP it is a soft error, which a socket hears only with IP_RECVERR",
    );
    // Not the note for a port with no socket: a socket was there, and no ECONNREFUSED came.
    expect(stdout).not.toContain("came back as ICMP port unreachable");
    expect(stderr).toMatch(/ETIMEDOUT/);
    expect(namespacesOf(run.pid)).toEqual([]);
  });

  it("reaches a socket file from the other namespace, and not an abstract name", async () => {
    requireLab();
    const file = await playground(["--hosts", "two", "--transport", "unix-stream", "--format", "lines"]);
    expect(file.code).toBe(0);
    expect(file.stdout).toContain("Received from server: Message received!");
    const abstract = await playground([
      "--hosts",
      "two",
      "--transport",
      "unix-stream",
      "--abstract",
      "--format",
      "lines",
    ]);
    expect(abstract.code).toBe(1);
    expect(abstract.stderr).toMatch(/^playground: connect ECONNREFUSED @socket-playground/m);
  });
});

describe.concurrent("what a lab leaves behind", () => {
  it("after SIGINT: nothing", async () => {
    requireLab();
    // A dropped SYN keeps the client waiting: time to interrupt a lab that is up.
    const run = start(["--hosts", "two", "--firewall", "drop", "--timeout", "20"]);
    await until(() => namespacesOf(run.pid).length === 2);
    run.child.kill("SIGINT");
    const { code, stderr } = await run.done;
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted by SIGINT");
    expect(namespacesOf(run.pid)).toEqual([]);
  });

  it("after SIGKILL: its namespaces, with their link and nftables table, until the next run removes them first", async () => {
    requireLab();
    const run = start(["--hosts", "two", "--firewall", "drop", "--timeout", "20"]);
    await until(() => namespacesOf(run.pid).length === 2);
    // Until the firewall rule is in: the run has got as far as the server's port.
    await until(() =>
      spawnSync("ip", ["netns", "exec", `spg-${run.pid}-server`, "nft", "list", "ruleset"], {
        encoding: "utf8",
      }).stdout.includes("drop"),
    );
    run.child.kill("SIGKILL");
    await run.done;
    expect(namespacesOf(run.pid)).toHaveLength(2);
    const link = spawnSync("ip", ["-n", `spg-${run.pid}-server`, "link", "show", `spg${run.pid}s`], {
      encoding: "utf8",
    });
    expect(link.status).toBe(0);
    const next = await playground(["--hosts", "two", "--format", "lines"]);
    expect(next.code).toBe(0);
    expect(namespacesOf(run.pid)).toEqual([]);
  });
});

describe.concurrent("experiment --hosts two", () => {
  for (const name of [
    "lab-bind-scope",
    "lab-refused-unreachable",
    "lab-loss",
    "lab-mtu",
    "lab-unix-namespaces",
  ]) {
    it(`${name}: every run matches what the kernel does`, async () => {
      requireLab();
      requireTool("python3");
      requireTool("tcpdump");
      const run = await playground(["experiment", name, "--hosts", "two", "--json"], 60_000);
      expect(run.stderr).toBe("");
      const results: { transport: string; verdict: string; observed?: string; reason?: string }[] =
        JSON.parse(run.stdout).results;
      const ran = results.filter((r) => r.verdict !== "not applicable");
      expect(ran.length).toBeGreaterThanOrEqual(3);
      expect(ran.map((r) => `${r.transport}: ${r.verdict} ${r.observed ?? r.reason ?? ""}`)).toEqual(
        ran.map((r) => `${r.transport}: matches ${r.observed}`),
      );
      expect(run.code).toBe(0);
    }, 60_000);
  }

  it("lists the lab's experiments as needing --hosts two", async () => {
    const list = await playground(["experiment", "list"]);
    const rows = list.stdout.split(/\n(?=\S)/).map((row) => row.replace(/\s+/g, " ").trim());
    const lab = rows.filter((row) => row.endsWith("(--hosts two, as root)")).map((row) => row.split(" ")[0]);
    expect(lab).toEqual([
      "lab-bind-scope",
      "lab-refused-unreachable",
      "lab-loss",
      "lab-mtu",
      "lab-unix-namespaces",
    ]);
  });
});

describe("compare --hosts two --loss 10", () => {
  it("puts the four inet transports side by side under the same loss", async () => {
    requireLab();
    const run = await playground(["compare", "--hosts", "two", "--loss", "10", "--json"], 60_000);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const comparison = JSON.parse(run.stdout);
    expect(comparison.conditions.loss).toBe(10);
    const rows: {
      transport: string;
      completed: number;
      sessions: number;
      retransmits?: number;
      resends?: number;
    }[] = comparison.rows;
    expect(rows.map((r) => r.transport)).toEqual(["tcp4", "tcp6", "udp4", "udp6"]);
    for (const row of rows) expect(row.completed).toBeGreaterThan(row.sessions / 2);
    // 100 sessions of several packets each at 10 % loss: some were lost, and recovered.
    expect(rows.filter((r) => r.transport.startsWith("tcp")).every((r) => (r.retransmits ?? 0) > 0)).toBe(
      true,
    );
    expect(rows.filter((r) => r.transport.startsWith("udp")).every((r) => (r.resends ?? 0) > 0)).toBe(true);
  }, 60_000);
});

describe("refusals", () => {
  it("as a user without CAP_NET_ADMIN: one line, exit 2, on run, compare and experiment", async () => {
    requireRoot();
    try {
      for (const args of [
        ["--hosts", "two"],
        ["compare", "--hosts", "two"],
        ["experiment", "lab-mtu", "--hosts", "two"],
      ]) {
        // nobody (65534), which every Debian has.
        const run = await playgroundAs(65534, args);
        expect(run.code).toBe(2);
        expect(run.stdout).toBe("");
        expect(run.stderr).toMatch(
          /^playground: --hosts two builds two network namespaces, which needs root \(CAP_NET_ADMIN and CAP_SYS_ADMIN\): run it with sudo\n$/,
        );
      }
    } finally {
      removeReadableCopy();
    }
  });

  it("without ip and nft on PATH: one line naming both and their packages, exit 2", async () => {
    requireRoot();
    const run = await playground(["--hosts", "two"], 20_000, { PATH: "/nonexistent" });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "playground: --hosts two needs ip and nft to build the lab, and they are not on PATH: apt-get install iproute2 nftables\n",
    );
  });

  it.each([
    [
      ["--hosts", "two", "--loss", "101"],
      /^playground: --loss 101: too large; give percent, a whole number from 0 to 100/,
    ],
    [["--hosts", "two", "--loss", "ten"], /^playground: --loss ten: not a number/],
    [
      ["--hosts", "two", "--mtu", "1000"],
      /^playground: --mtu 1000: too small; give bytes, a whole number from 1280 to 65535 \(IPv6 needs 1280 at least\)/,
    ],
    [["--hosts", "two", "--firewall", "block"], /^playground: .*--firewall.*block/],
    [["--hosts", "three"], /^playground: .*--hosts.*three/],
    [
      ["--loss", "10"],
      /^playground: --loss is a condition of the link between two hosts, and there is none without --hosts two: add --hosts two \(as root\)\n/,
    ],
    [["compare", "--mtu", "1400"], /^playground: --mtu is a condition .*add --hosts two/],
    [["--firewall", "drop"], /^playground: --firewall is a condition .*add --hosts two/],
    [
      ["compare", "--hosts", "two", "--capture"],
      /^playground: --capture here records one traced session on lo.*leave out --capture or --hosts two\n/,
    ],
    [
      ["--hosts", "two", "--trace-syscalls"],
      /^playground: --trace-syscalls runs the session under strace in one process.*leave out --trace-syscalls or --hosts two\n/,
    ],
    [
      ["experiment", "lab-mtu"],
      /^playground: lab-mtu runs across two hosts, .*: add --hosts two \(as root\)\n/,
    ],
    [
      ["experiment", "half-close", "--hosts", "two"],
      /^playground: half-close is a loopback experiment, on one host: leave out --hosts two/,
    ],
    [
      ["--hosts", "two", "--transport", "unix-stream", "--loss", "5"],
      /^playground: --loss, --mtu, --delay and --firewall act on packets on the link, and unix-stream sends none/,
    ],
    [
      ["compare", "--hosts", "two", "--transport", "tcp4,unix-dgram"],
      /^playground: compare --hosts two compares the transports that cross the link, and unix-dgram sends no packet on it/,
    ],
    // Each lab experiment sets the link's conditions it needs; the flags are run's and compare's.
    [
      ["experiment", "lab-loss", "--hosts", "two", "--loss", "5"],
      /^playground: unknown flag --loss for experiment: the lab's experiments set their own link conditions \(--loss is for run and compare\)\n/,
    ],
  ])("playground %j is a usage error naming the fix", async (args, line) => {
    const run = await playground(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(line);
  });

  it("--delay where the kernel has no netem: one line saying so, exit 2; where it has, the session runs", async () => {
    requireLab();
    const netem = spawnSync("tc", ["qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"], {
      encoding: "utf8",
    });
    if (netem.status === 0) spawnSync("tc", ["qdisc", "del", "dev", "lo", "root"]);
    const run = await playground(["--hosts", "two", "--delay", "5", "--format", "lines"]);
    if (netem.status === 0) expect(run.code).toBe(0);
    else
      expect(run.stderr).toMatch(
        /^playground: --delay is not available on this kernel: it has no netem qdisc/,
      );
  });
});
