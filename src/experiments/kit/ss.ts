// What `ss` says about sockets: the kernel's own table of them (queues, states, TIME_WAIT).
import { execFile } from "node:child_process";
import { ownChild } from "../../leftovers.js";

const INSTALL_SS = "apt-get install iproute2";

/** `ss -H <args>` with runs of blanks squeezed; a line saying what to install when ss is missing. */
export function ss(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile("ss", ["-H", ...args], { timeout: 5000 }, (err, stdout) => {
      if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT")
        return resolve([`(no ss here to show it: ${INSTALL_SS})`]);
      if (err) return reject(err);
      resolve(
        stdout
          .split("\n")
          .map((l) => l.replace(/\s+/g, " ").trim())
          .filter(Boolean),
      );
    });
    ownChild(child); // Ctrl-C stops it with us (leftovers.ts)
  });
}

/** The port of an "ip:port" or "[ip6]:port" address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}
