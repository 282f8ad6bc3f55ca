// Every socket call the ladder draws is a call the kernel received, with the arguments it received:
// the run of each transport under `--trace-syscalls --json`, several times, and each drawn call
// checked against the system call strace saw under it — its name, and its address, port, byte count,
// backlog or how. What is no call (EOF as Node's 'end' event, a message's end) is exempt.

import { describe, expect, it } from "vitest";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import { sockaddrIn } from "../../src/syscalls/sockets.js";
import type { SocketEvent } from "../../src/trace/events.js";
import { isCall } from "../../src/trace/events.js";
import { callText } from "../../src/views/layout.js";
import { playground } from "../helpers/cli.js";
import { requireTool } from "../helpers/peers.js";

interface Syscall {
  fd: number;
  name: string;
  result: number | null;
  errno?: string;
  text: string;
}
type Traced = SocketEvent & { syscalls?: Syscall[] };

const RUNS = 3;

/** The system calls that make each socket call. */
const NAMES: Record<string, string[]> = {
  socket: ["socket"],
  bind: ["bind"],
  listen: ["listen"],
  accept: ["accept", "accept4"],
  connect: ["connect"],
  send: ["write", "writev", "send", "sendto", "sendmsg", "sendmmsg"],
  sendto: ["sendto", "sendmsg", "sendmmsg"],
  recv: ["read", "readv", "recv", "recvfrom", "recvmsg", "recvmmsg"],
  recvfrom: ["recvfrom", "recvmsg", "recvmmsg"],
  shutdown: ["shutdown"],
  close: ["close"],
};

/** What disagrees between one drawn call and the system calls under it; empty when all agree. */
function disagreements(e: Traced): string[] {
  const drawn = `${e.side} ${callText(e)}`;
  const made = (e.syscalls ?? []).filter((s) => (NAMES[e.call] ?? []).includes(s.name));
  const call = made[0];
  if (!call)
    return [
      `${drawn}: no ${e.call}() among the system calls under it (${(e.syscalls ?? []).map((s) => s.name).join(", ") || "none"})`,
    ];
  const problems: string[] = [];
  const expect = (what: string, drawnValue: unknown, kernel: unknown) => {
    if (drawnValue !== kernel)
      problems.push(`${drawn}: ${what} drawn ${drawnValue}, the kernel got ${kernel} — ${call.text}`);
  };
  if (e.errno) expect("errno", e.errno, call.errno);
  switch (e.call) {
    case "bind":
      expect("address", e.requested ?? e.local, sockaddrIn(call.text, { portZero: true }));
      break;
    case "connect":
      expect("address", e.remote, sockaddrIn(call.text, { portZero: true }));
      break;
    case "listen":
      expect("backlog", e.detail, `backlog ${/, (\d+)\)/.exec(call.text)?.[1]}`);
      break;
    case "send":
    case "sendto":
    case "recv":
    case "recvfrom":
      if (!e.errno) expect("bytes", e.bytes, call.result);
      if (e.call === "sendto" && !e.errno) expect("to", e.remote, sockaddrIn(call.text, { portZero: true }));
      break;
    case "shutdown":
      expect("how", e.detail, /SHUT_(RD|WR|RDWR)/.exec(call.text)?.[0]);
      break;
    case "accept":
      expect("result", true, (call.result ?? -1) >= 0);
      break;
  }
  return problems;
}

describe("every call drawn is a call the kernel received, with its arguments", () => {
  it.concurrent.each(TRANSPORT_NAMES)(`%s, ${RUNS} runs under --trace-syscalls --json`, async (name) => {
    requireTool("strace");
    const problems: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { code, stdout, stderr } = await playground(
        ["--transport", name, "--trace-syscalls", "--json"],
        30_000,
      );
      expect(code, stderr).toBe(0);
      const events = stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Traced)
        .filter((e) => typeof e.call === "string" && (e.side === "client" || e.side === "server"));
      expect(events.length).toBeGreaterThan(8);
      for (const e of events.filter((x) => isCall(x))) problems.push(...disagreements(e));
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
