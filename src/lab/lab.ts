// The lab: two network namespaces joined by a veth pair, built with iproute2 and torn down however the
// process ends (leftovers.ts: a normal exit, an error, Ctrl-C, SIGTERM). A SIGKILL cannot be caught, so
// every lab first removes what dead runs of the tool left: namespaces named with a pid that no longer
// runs (hosts.ts). Deleting a namespace takes its veth end, and with it the pair, and its nftables
// table; the processes still in it are killed first, since a namespace lives as long as one does.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { SetupError } from "../errors.js";
import { atExit } from "../leftovers.js";
import { findProgram } from "../tools.js";
import { type FirewallRule, type LinkConditions, rulesetFor } from "./conditions.js";
import { type Host, hostOf, LAB_IPV4, LAB_IPV6, ownerOf } from "./hosts.js";

export interface Lab {
  readonly server: Host;
  readonly client: Host;
  readonly conditions: LinkConditions;
  /** `command args` run inside `host`'s namespace, as spawn() takes it. */
  inside(host: Host, command: string, args: readonly string[]): [string, string[]];
  /** Add a firewall rule on the server; the function returned takes it away again. */
  firewall(rule: FirewallRule): () => void;
  /** Change the loss (percent, each direction) from now on. */
  setLoss(percent: number): void;
  /** Both veth ends' MTU from now on. */
  setMtu(mtu: number): void;
  /** How long the lab took to build, in ms. */
  readonly setupMs: number;
  /** Tear it down now rather than at exit; returns how long that took, in ms. */
  remove(): number;
}

/** The capabilities a lab needs: CAP_NET_ADMIN for links and nftables, CAP_SYS_ADMIN for `ip netns add`. */
const CAPS = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21 } as const;

/**
 * Refuse in one line, before anything is built, what cannot build a lab here: no privileges, or no
 * `ip` or `nft`. `what` is the flag that asked for it, as the line names it.
 */
export function checkLab(what = "--hosts two"): void {
  const missing = Object.entries(CAPS)
    .filter(([, bit]) => !hasCapability(bit))
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new SetupError(
      `${what} builds two network namespaces, which needs root (${missing.join(" and ")}): run it with sudo`,
    );
  }
  const tools = [
    { program: "ip", package: "iproute2" },
    { program: "nft", package: "nftables" },
  ].filter((tool) => !findProgram(tool.program));
  if (tools.length > 0) {
    throw new SetupError(
      `${what} needs ${tools.map((t) => t.program).join(" and ")} to build the lab, and ${tools.length === 1 ? "it is" : "they are"} not on PATH: apt-get install ${tools.map((t) => t.package).join(" ")}`,
    );
  }
}

/** Whether this process has capability `bit` in its effective set (/proc/self/status, CapEff). */
function hasCapability(bit: number): boolean {
  const status = readFileSync("/proc/self/status", "utf8");
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0";
  return ((BigInt(`0x${hex}`) >> BigInt(bit)) & 1n) === 1n;
}

let current: Lab | undefined;

/** Build the lab (after removing dead runs' leftovers), with `conditions` on its link. */
export function makeLab(conditions: LinkConditions = {}): Lab {
  if (current) throw new Error("this process has a lab already");
  checkLab();
  removeDeadLabs();
  const start = performance.now();
  const server = hostOf("server");
  const client = hostOf("client");
  let removed = false;
  const undo = atExit(() => {
    removed = true;
    for (const host of [client, server]) removeNetns(host.netns);
  });
  const state = { loss: conditions.loss ?? 0, firewall: [] as FirewallRule[] };
  const applyRules = () => {
    for (const host of [server, client]) {
      const rules = host === server ? state.firewall : [];
      ip(["netns", "exec", host.netns, "nft", "-f", "-"], rulesetFor(host, state.loss, rules));
    }
  };
  const setMtu = (mtu: number) => {
    for (const host of [server, client])
      ip(["-n", host.netns, "link", "set", "dev", host.device, "mtu", `${mtu}`]);
  };
  try {
    for (const host of [server, client]) ip(["netns", "add", host.netns]);
    // Both ends are made inside their namespaces: no moment when the machine's own namespace holds one.
    ip([
      "link",
      "add",
      server.device,
      "netns",
      server.netns,
      "type",
      "veth",
      "peer",
      "name",
      client.device,
      "netns",
      client.netns,
    ]);
    for (const host of [server, client]) {
      const n = ["-n", host.netns];
      ip([...n, "link", "set", "dev", "lo", "up"]);
      ip([...n, "addr", "add", `${host.ipv4}/${LAB_IPV4.prefix}`, "dev", host.device]);
      // nodad: usable at once, not after duplicate address detection's second or so (RFC 4862).
      ip([...n, "addr", "add", `${host.ipv6}/${LAB_IPV6.prefix}`, "dev", host.device, "nodad"]);
      // One packet per segment, as on a wire: a veth hands the other end TCP's 64 KB super-packets
      // (GSO) whole, and a loss would drop 45 segments at once where a real link loses one.
      ip([...n, "link", "set", "dev", host.device, "gso_max_segs", "1"]);
      ip([...n, "link", "set", "dev", host.device, "up"]);
    }
    if (conditions.mtu !== undefined) setMtu(conditions.mtu);
    applyRules();
    if (conditions.delayMs !== undefined) addDelay([server, client], conditions.delayMs);
  } catch (err) {
    undo();
    throw err;
  }
  const setupMs = performance.now() - start;
  const lab: Lab = {
    server,
    client,
    conditions,
    setupMs,
    inside: (host, command, args) => [
      findProgram("ip") as string,
      ["netns", "exec", host.netns, command, ...args],
    ],
    firewall(rule) {
      state.firewall.push(rule);
      applyRules();
      return () => {
        state.firewall = state.firewall.filter((r) => r !== rule);
        if (!removed) applyRules();
      };
    },
    setLoss(percent) {
      state.loss = percent;
      applyRules();
    },
    setMtu,
    remove() {
      const began = performance.now();
      undo();
      current = undefined;
      return performance.now() - began;
    },
  };
  current = lab;
  return lab;
}

/**
 * netem's delay on both ends, where the kernel has the netem qdisc; where it has not (this one), one
 * line that says so: no condition is ever quietly left out.
 */
function addDelay(hosts: readonly Host[], ms: number): void {
  if (!findProgram("tc"))
    throw new SetupError("--delay needs tc (iproute2) for the netem qdisc: apt-get install iproute2");
  for (const host of hosts) {
    const args = ["-n", host.netns, "qdisc", "add", "dev", host.device, "root", "netem", "delay", `${ms}ms`];
    const done = spawnSync("tc", args, { encoding: "utf8" });
    if (done.status === 0) continue;
    const why = firstLine(done.stderr);
    throw new SetupError(
      /unknown/i.test(why)
        ? "--delay is not available on this kernel: it has no netem qdisc (sch_netem) — leave --delay out; --loss and --mtu work without it"
        : `--delay: tc qdisc add … netem failed: ${why}`,
    );
  }
}

/**
 * Remove the namespaces that runs of the tool left when they died (SIGKILL, a crash of the machine's
 * power aside): ours by name, made by a pid that no longer runs. Another live run's are never touched.
 */
export function removeDeadLabs(): string[] {
  const listed = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  const dead = listed
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => {
      const pid = ownerOf(name);
      return pid !== undefined && pid !== process.pid && !isAlive(pid);
    });
  for (const name of dead) removeNetns(name);
  return dead;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Kill what still runs in the namespace (it would keep it alive), then delete it: its veth end goes too. */
function removeNetns(name: string): void {
  const pids = spawnSync("ip", ["netns", "pids", name], { encoding: "utf8" }).stdout ?? "";
  for (const pid of pids.split("\n").filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {}
  }
  spawnSync("ip", ["netns", "delete", name], { stdio: "ignore" });
}

/** `ip …args`, with `input` on its stdin; a SetupError naming the step if it fails. */
function ip(args: readonly string[], input?: string): void {
  const done = spawnSync("ip", args, { encoding: "utf8", input });
  if (done.status === 0) return;
  const why = firstLine(done.stderr) || done.error?.message || `exit ${done.status}`;
  throw new SetupError(`--hosts two: building the lab failed at \`ip ${args.join(" ")}\`: ${why}`);
}

function firstLine(text: string | undefined): string {
  return (text ?? "").trim().split("\n")[0] ?? "";
}
