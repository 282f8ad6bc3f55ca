// tcpdump inside one of the lab's hosts, on its end of the veth link: what crossed the link, in
// tcpdump's own words, for the experiments that need the wire (fragments, a SYN's options). Owned
// (leftovers.ts): stopped with the run, and on Ctrl-C.
import { spawn } from "node:child_process";
import { ownChild } from "../leftovers.js";
import { findProgram } from "../tools.js";
import type { Host } from "./hosts.js";
import type { Lab } from "./lab.js";

const START_MS = 5000;
const QUIET_MS = 100;

export interface LinkCapture {
  /** Stop it (after a moment for the last packet), and give the lines it printed. */
  stop(): Promise<string[]>;
}

/** `tcpdump -i <host's veth end> -n -l -v <filter>` inside `host`, once it says it is listening. */
export async function captureLink(lab: Lab, host: Host, filter: string): Promise<LinkCapture> {
  if (!findProgram("tcpdump"))
    throw new Error("tcpdump is not on PATH, and the wire shows this: apt-get install tcpdump");
  const [command, args] = lab.inside(host, "tcpdump", ["-i", host.device, "-n", "-l", "-v", filter]);
  const child = ownChild(spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] }));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tcpdump did not start in ${START_MS / 1000} s`)),
      START_MS,
    );
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (/listening on /.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void closed.then(() => {
      clearTimeout(timer);
      reject(new Error(`tcpdump stopped: ${stderr.trim().split("\n")[0] ?? ""}`));
    });
  });
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      child.kill("SIGINT");
      await closed;
      // -v continues a packet on indented lines: one packet per unindented line.
      return stdout
        .split("\n")
        .filter((line) => /^\d/.test(line) || /^\s/.test(line))
        .reduce<string[]>((packets, line) => {
          if (/^\s/.test(line) && packets.length > 0) packets[packets.length - 1] += ` ${line.trim()}`;
          else packets.push(line.trim());
          return packets;
        }, []);
    },
  };
}
