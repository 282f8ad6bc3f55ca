// The session's packets, from tcpdump on the loopback interface: started once the server has its
// port (so that the filter can name exactly this session's address and port, and no other traffic on
// the machine ever appears), stopped once the session is over. tcpdump is a child this process owns
// (leftovers.ts): Ctrl-C stops it with us.
import { spawn, spawnSync } from "node:child_process";
import { SetupError } from "../errors.js";
import { ownChild } from "../leftovers.js";
import { findProgram } from "../tools.js";
import { parseInet } from "../transports/address.js";
import { type Packet, parseTcpdump } from "./parse.js";

/** How long tcpdump may take to say it listens; how long the wire must be quiet before it stops. */
const START_MS = 5000;
const QUIET_MS = 30;
const QUIET_MAX_MS = 500;

/** Refuse in one line, before anything starts, what cannot capture here. */
export function checkCapture(): void {
  if (process.getuid?.() !== 0) {
    throw new SetupError("--capture needs root to read packets on lo (tcpdump): run it with sudo");
  }
  if (!findProgram("tcpdump")) throw new SetupError("--capture needs tcpdump: apt-get install tcpdump");
}

/**
 * Exactly this session's packets on the server's `host:port`: TCP or UDP to or from that port, and an
 * ICMP port-unreachable that quotes a datagram sent to it (the ICMP header is 8 bytes, the quoted
 * IPv4 header 20, IPv6's 40, and the destination port is 2 bytes into the quoted UDP header).
 */
export function filterFor(serverAddress: string, proto: WireProto): string {
  const { host, port } = parseInet(serverAddress);
  return `${host.includes(":") ? "ip6 " : ""}host ${host} and (${portsFilter([port], proto)})`;
}

/** The session's transport protocol: another protocol's packets on the same port number are not its. */
export type WireProto = "tcp" | "udp";

/** `proto` to or from any of `ports`; for UDP also the ICMP port unreachable quoting them. */
function portsFilter(ports: readonly number[], proto: WireProto): string {
  return ports
    .map((port) => (proto === "udp" ? `udp port ${port} or ${icmpQuoting(port)}` : `tcp port ${port}`))
    .join(" or ");
}

/**
 * Where a capture looks: this machine's lo (the default), or, across the lab (--hosts two), one host's
 * end of the veth link, read by a tcpdump started inside that host's network namespace.
 */
export interface CaptureSite {
  device: string;
  /** The network namespace the device is in; undefined: this process's own. */
  netns?: string;
  /** The namespaces whose sockets the session has (ss reads each for TIME_WAIT); undefined: this one. */
  namespaces?: readonly string[];
}

const LOOPBACK: CaptureSite = { device: "lo" };

export interface Capture {
  /** Wait for the wire to fall quiet, stop tcpdump, and give what it saw, in its order. */
  stop(): Promise<Packet[]>;
}

/** tcpdump on lo (or `site`) for the server at `serverAddress`, once it says it is listening. */
export async function startCapture(
  serverAddress: string,
  proto: WireProto,
  site: CaptureSite = LOOPBACK,
): Promise<Capture> {
  // -l: a line as soon as a packet is seen; --immediate-mode: each packet as it comes, not in batches.
  const tcpdump = await startTcpdump(
    ["-n", "-tt", "-S", "-l", "--immediate-mode", filterFor(serverAddress, proto)],
    site,
  );
  return {
    async stop() {
      const since = Date.now();
      // Quiet since the later of the last packet and this call: a packet of the session's last moment
      // may still be on its way through tcpdump.
      while (
        Date.now() - Math.max(tcpdump.lastData(), since) < QUIET_MS &&
        Date.now() - since < QUIET_MAX_MS
      ) {
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 3));
      }
      return parseTcpdump(await tcpdump.stop());
    },
  };
}

export interface Recording {
  /** Stop recording, and read back `proto`'s packets to or from any of `ports` (UDP: and ICMP quoting them). */
  stop(ports: readonly number[], proto: WireProto): Promise<Packet[]>;
}

/**
 * Every TCP, UDP and ICMP packet on lo into `file` (headers only), for a run whose ports are known only
 * once it is over (an experiment's): read back afterwards with those ports as the filter.
 */
export async function recordLoopback(file: string): Promise<Recording> {
  const args = ["-s", "200", "--immediate-mode", "-U", "-w", file, "tcp or udp or icmp or icmp6"];
  const tcpdump = await startTcpdump(args);
  let stopped = false;
  return {
    async stop(ports, proto) {
      if (stopped) return []; // a second stop, after a run that failed
      stopped = true;
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS)); // the last packet reaches the file
      await tcpdump.stop();
      if (ports.length === 0) return [];
      const filter = portsFilter(ports, proto);
      const program = findProgram("tcpdump") as string;
      const read = spawnSync(program, ["-r", file, "-n", "-tt", "-S", filter], { encoding: "utf8" });
      return parseTcpdump(read.stdout);
    },
  };
}

/** An ICMP or ICMPv6 port unreachable (type 3, type 1) that quotes a datagram sent to `port`. */
function icmpQuoting(port: number): string {
  return `(icmp and icmp[0] == 3 and icmp[30:2] == ${port}) or (icmp6 and ip6[40] == 1 and ip6[90:2] == ${port})`;
}

interface Tcpdump {
  /** When it last wrote a line (Date.now()). */
  lastData(): number;
  /** SIGINT (it writes what it holds), and what it wrote to stdout. */
  stop(): Promise<string>;
}

/** `tcpdump -i lo ...args` (or on `site`), owned by this process, once it says it is listening. */
async function startTcpdump(args: readonly string[], site: CaptureSite = LOOPBACK): Promise<Tcpdump> {
  const program = findProgram("tcpdump") as string; // checkCapture() found it
  const full = [program, "-i", site.device, ...args];
  // `ip netns exec` execs tcpdump itself: the child's pid is tcpdump's, and SIGINT reaches it.
  const [command, argv] = site.netns
    ? ["ip", ["netns", "exec", site.netns, ...full]]
    : [program, full.slice(1)];
  const child = ownChild(spawn(command as string, argv as string[], { stdio: ["ignore", "pipe", "pipe"] }));
  let stdout = "";
  let stderr = "";
  let lastData = Date.now();
  child.stdout.on("data", (d) => {
    stdout += d;
    lastData = Date.now();
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`tcpdump did not start in ${START_MS / 1000} s`), START_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new SetupError(`--capture: ${why}`));
    };
    child.stderr.on("data", (d) => {
      stderr += d;
      if (/^(tcpdump: )?listening on /m.test(stderr)) {
        // "tcpdump: " with -w
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("error", (err) => fail(`tcpdump could not start: ${err.message}`));
    void exited.then(() => fail(firstLine(stderr) || "tcpdump stopped before it listened"));
  });
  return {
    lastData: () => lastData,
    async stop() {
      child.kill("SIGINT");
      await exited;
      return stdout;
    },
  };
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
