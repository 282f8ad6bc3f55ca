// `playground completion [bash|zsh]`, and what Tab offers besides commands and flags: the values of
// --transport, --family and --type, and experiment names (experiment's, and report's --experiments).
// Socket-free, as the rest of the command line: a Tab press must not load socket code, so experiment
// names are read from the experiments' files as text, not imported.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TRANSPORT_NAMES } from "../transports/facts.js";

export const SHELLS = ["bash", "zsh"] as const;

/**
 * yargs picks its bash or zsh script from $SHELL and $ZSH_NAME when it starts: for `completion zsh`
 * (or bash) they are set to match first, in this process only.
 */
export function chooseShell(args: readonly string[]): void {
  const words = args.filter((arg) => !arg.startsWith("-"));
  if (words[0] !== "completion") return;
  if (words[1] === "zsh") process.env.ZSH_NAME = "zsh";
  if (words[1] === "bash") {
    process.env.SHELL = "/bin/bash";
    delete process.env.ZSH_NAME;
  }
}

/**
 * The experiment modules' files that are no experiment: the shape, the list, the runner, the kit, and
 * the lab's peer and addresses (experiments/lab/).
 */
const NOT_EXPERIMENTS = new Set(["experiment", "index", "runner", "sockets", "peer", "where"]);

/**
 * Every experiment's name: the first `name: "..."` line of each experiment's file, read as text (a
 * file's name may differ: bind-in-use.ts is bind-addrinuse). A test holds them equal to
 * experiments/index.ts.
 */
export function experimentNames(): string[] {
  // The loopback experiments, and the lab's across two hosts (experiments/lab/).
  return ["../experiments/", "../experiments/lab/"]
    .flatMap((path) => {
      const dir = fileURLToPath(new URL(path, import.meta.url));
      return readdirSync(dir)
        .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith(".d.ts"))
        .filter((file) => !NOT_EXPERIMENTS.has(file.replace(/\.(js|ts)$/, "")))
        .flatMap(
          (file) => /^\s+name: "([a-z0-9-]+)",$/m.exec(readFileSync(`${dir}${file}`, "utf8"))?.slice(1) ?? [],
        );
    })
    .sort();
}

/** The values a flag takes, for Tab; C names (AF_INET) are accepted but not offered. */
const VALUES: Readonly<Record<string, () => readonly string[]>> = {
  "--transport": () => TRANSPORT_NAMES,
  "--transports": () => TRANSPORT_NAMES,
  "--family": () => ["inet", "inet6", "unix"],
  "-f": () => ["inet", "inet6", "unix"],
  "--type": () => ["stream", "dgram", "seqpacket"],
  "-t": () => ["stream", "dgram", "seqpacket"],
  experiment: () => ["list", "all", ...experimentNames()],
  "--experiments": () => ["all", ...experimentNames()],
  completion: () => SHELLS,
};

/**
 * What Tab offers for the last of `words` (the line so far, as the completion script passes it), or
 * undefined to leave it to yargs (commands, flags, choices). A --transport list completes its last item.
 */
export function valuesFor(words: readonly string[]): string[] | undefined {
  const current = words.at(-1) ?? "";
  const values = VALUES[words.at(-2) ?? ""];
  if (!values || current.startsWith("-")) return undefined;
  const done = current.slice(0, current.lastIndexOf(",") + 1);
  const tail = current.slice(done.length);
  return values()
    .filter((value) => value.startsWith(tail))
    .map((value) => done + value);
}
