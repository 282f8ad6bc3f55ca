// What the commands share on the command line: the help texts, the option groups, and the shape of a
// command. Socket-free: `playground --help` loads this and yargs, and no socket code.
import type { ArgumentsCamelCase, Argv } from "yargs";
import { FORMATS, LOG_LEVELS } from "../../output/levels.js";
import { MESSAGE } from "../../protocol/messages.js";
import { TRANSPORT_NAMES, TRANSPORTS, type TransportInfo } from "../../transports/facts.js";

/** One command's line: its name, yargs' command string, what --help says, and its options. */
export interface CommandLine<T> {
  readonly name: string;
  readonly command: string | readonly string[];
  readonly describe: string;
  readonly builder: (y: Argv) => Argv<T>;
}

/** A command: its line, and its handler's module, imported only when it runs (cli.ts's table). */
export interface CommandSpec<T> extends CommandLine<T> {
  readonly load: () => Promise<(flags: ArgumentsCamelCase<T>) => Promise<void>>;
}

export type FlagsOf<B> = B extends (y: Argv) => Argv<infer T> ? ArgumentsCamelCase<T> : never;

/** A command, typed end to end: the handler must take what the builder's options give. */
export function withHandler<T>(line: CommandLine<T>, load: CommandSpec<T>["load"]): CommandSpec<T> {
  return { ...line, load };
}

// Help texts: one line per paragraph or table row, wrapped to the terminal by layoutHelp
// (help-layout.ts), which continues a table row under its second column.
export const TRANSPORTS_HELP = [
  "Transports (--transport, or --family and --type; C names such as AF_INET work too):",
  ...transportColumns(),
].join("\n");

/** The same table for compare, bench and experiment, whose --transport is a list (no --family, --type). */
export const TRANSPORT_LIST_HELP = [
  "Transports (--transport, comma-separated, or all):",
  ...transportColumns(),
].join("\n");

/** The transport table (transports/facts.ts) in two columns: inet on the left, unix on the right. */
function transportColumns(): string[] {
  const cell = (t: TransportInfo, width: number) => `${t.name.padEnd(width)}${t.family} ${t.type}`;
  const inet = TRANSPORTS.filter((t) => t.family !== "unix").map((t) => cell(t, 6));
  const unix = TRANSPORTS.filter((t) => t.family === "unix").map((t) => cell(t, 16));
  return inet.map((left, i) => `  ${unix[i] ? `${left.padEnd(23)}${unix[i]}` : left}`);
}

export const ABSTRACT_HELP = [
  "Unix addresses are a path, or @name for a Linux abstract name: no file on disk. unix-dgram and",
  "unix-seqpacket pass the name at its exact length, as Python, Go and socat do. unix-stream is",
  "node:net's, which pads the name to the whole 108-byte sun_path, so a peer that uses the exact",
  "length does not meet it; socat needs ABSTRACT-CONNECT:name,unix-tightsocklen=0.",
].join(" ");

export const MESSAGE_END_HELP = [
  "Where a stream message ends (--message-end). A stream keeps no boundaries, so every rule trades:",
  "  recv      the first recv() is the message, as the lab's server.py (the default): a client that " +
    "sends and waits is served at once; a message arriving in two pieces is acked after one",
  "  newline   up to a newline, as nc and socat send lines: a client that sends none waits for its EOF",
  "  eof       at the client's shutdown(SHUT_WR), as ours and nc -N do: one that waits is never done",
  "  pause:MS  after MS ms of quiet: every session waits that long; a pause mid-message acks a prefix",
  "Rules combine (newline,pause:20: whichever comes first); EOF ends a message under every rule. " +
    "newline and eof keep whole messages however the stream is cut; recv and pause may ack a prefix.",
].join("\n");

/** --message-end, on the commands that run a server. */
export function messageEndOption<T>(y: Argv<T>) {
  return y.option("message-end", {
    type: "string",
    describe: "stream: where a message ends: recv (default), newline, eof, pause:MS, or a mix",
    group: "Protocol:",
  });
}

/** --transport on compare, bench and experiment: a list (strategy.parseTransportList reads it). */
export function transportListOption<T>(y: Argv<T>) {
  return y.option("transport", {
    alias: "transports",
    type: "string",
    describe: `comma-separated, or all (the default): ${TRANSPORT_NAMES.join(", ")}`,
  });
}

export function transportOptions<T>(y: Argv<T>) {
  return y
    .option("family", {
      alias: "f",
      type: "string",
      describe: "address family: inet, inet6, unix",
      group: "Socket:",
    })
    .option("type", {
      alias: "t",
      type: "string",
      describe: "socket type: stream, dgram, seqpacket",
      group: "Socket:",
    })
    .option("transport", {
      alias: "transports", // one spelling on every command: compare, bench and experiment take a list
      type: "string",
      describe: `shorthand for a family/type pair: ${TRANSPORT_NAMES.join(", ")}`,
      group: "Socket:",
    })
    .option("format", {
      type: "string",
      choices: FORMATS,
      describe: "ladder of socket calls (run's default), the lab's lines (server's, client's), mermaid, json",
      group: "Output:",
    })
    .option("json", {
      type: "boolean",
      default: false,
      describe: "short for --format json: one JSON object per socket call (pino NDJSON)",
      group: "Output:",
    })
    .option("log-level", {
      type: "string",
      choices: LOG_LEVELS,
      describe: "least important event to show; debug adds every socket call as a line",
      group: "Output:",
    });
}

/** The help group of the lab's flags: a lab needs root, and says so in its heading. */
const LAB_GROUP = "Two hosts (root; a lab of two network namespaces):";

/**
 * --hosts, the same on run, compare and experiment: `two` builds the lab (src/lab/) and runs the
 * server in one namespace and the client in the other.
 */
export function hostsOption<T>(y: Argv<T>) {
  return y.option("hosts", {
    type: "string",
    choices: ["one", "two"] as const,
    default: "one",
    describe:
      "one: this machine's loopback (the default); two: the server and the client on two hosts, network namespaces joined by a veth link (root)",
    group: LAB_GROUP,
  });
}

/** The link's conditions, on the commands that run sessions across the lab (run, compare). */
export function linkOptions<T>(y: Argv<T>) {
  return hostsOption(y)
    .option("loss", {
      type: "number",
      describe: "--hosts two: percent of packets each host drops as they arrive over the link (nftables)",
      group: LAB_GROUP,
    })
    .option("mtu", {
      type: "number",
      describe: "--hosts two: the link's MTU in bytes (ip link set mtu; IPv6 needs 1280 at least)",
      group: LAB_GROUP,
    })
    .option("firewall", {
      type: "string",
      choices: ["drop", "reject", "unreachable"] as const,
      describe:
        "--hosts two: the server's firewall on its port: drop (silence), reject (TCP reset, ICMP port unreachable), unreachable (ICMP host unreachable)",
      group: LAB_GROUP,
    })
    .option("delay", {
      type: "number",
      describe: "--hosts two: ms of delay each way (netem; said plainly where the kernel has none)",
      group: LAB_GROUP,
    });
}

export function sessionOptions<T>(y: Argv<T>) {
  return y
    .option("message", { alias: "m", type: "string", default: MESSAGE, describe: "what the client sends" })
    .option("timeout", {
      type: "number",
      default: 5,
      describe: "seconds the whole session may take, connect to close",
    })
    .option("retries", {
      type: "number",
      default: 3,
      describe: "datagram resends when no reply comes (UDP may drop)",
    });
}

export function addressOptions<T>(y: Argv<T>) {
  return y
    .option("host", {
      type: "string",
      describe: "inet: IP address (default 127.0.0.1, ::1 for inet6)",
      group: "Address:",
    })
    .option("port", { alias: "p", type: "number", describe: "inet: port (default 1234)", group: "Address:" })
    .option("path", {
      type: "string",
      describe: "unix: socket path, or @name (default /tmp/socket-playground-<type>.sock)",
      group: "Address:",
    });
}
