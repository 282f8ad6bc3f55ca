// Programs besides Node that some commands start: strace under --trace-syscalls, and the python3 peers
// and strace that experiments ask for the kernel's own answer. One place finds them on PATH and says
// how to install one that is missing, so a command can refuse in one line before it starts anything.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The python3 the experiments run; PYTHON may name another one. */
export const PYTHON = process.env.PYTHON ?? "python3";

export type Tool = "python3" | "strace";

/** The Debian/Ubuntu package of each tool. */
const PACKAGE: Record<Tool, string> = { python3: "python3", strace: "strace" };

/** The program a tool is run as: python3 may be $PYTHON. */
export function commandOf(tool: Tool): string {
  return tool === "python3" ? PYTHON : tool;
}

/** That a tool is missing, as the user chose it: "python3 is not on PATH", "PYTHON=/opt/py3 is not there". */
export function notFound(tool: Tool): string {
  const command = commandOf(tool);
  const where = command.includes("/") ? "there" : "on PATH";
  return `${command === tool ? tool : `PYTHON=${command}`} is not ${where}`;
}

/** How to install one or more tools, as one command. */
export function installOf(...tools: Tool[]): string {
  return `apt-get install ${tools.map((tool) => PACKAGE[tool]).join(" ")}`;
}

/** The file that spawn() would run for `command` (looked up on PATH unless it has a slash). */
export function findProgram(command: string, path = process.env.PATH ?? ""): string | undefined {
  const candidates = command.includes("/") ? [command] : path.split(delimiter).filter(Boolean);
  for (const candidate of candidates) {
    const file = command.includes("/") ? candidate : join(candidate, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}
