#!/usr/bin/env node
// The command line: flags in, one call out, and the one place that turns a failure into a line on
// stderr and an exit code (2 for usage, 1 for everything else). Command modules are imported only when
// their command runs, so `playground --help` loads no socket code at all.
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { helpWidth, layoutHelp } from "./commands/help-layout.js";
import { checkFlags, type OptionDefinitions, rewordYargsMessage } from "./commands/validate.js";
import { OpError, UsageError } from "./errors.js";
import { FORMATS, LOG_LEVELS } from "./output/sink.js";
import { MESSAGE } from "./protocol/messages.js";
import { TRANSPORT_NAMES, TRANSPORTS, type TransportInfo } from "./transports/facts.js";

// Help texts: one line per paragraph or table row, wrapped to the terminal by layoutHelp
// (help-layout.ts), which continues a table row under its second column.
const TRANSPORTS_HELP = [
  "Transports (--transport, or --family and --type; C names such as AF_INET work too):",
  ...transportColumns(),
].join("\n");

/** The transport table (transports/facts.ts) in two columns: inet on the left, unix on the right. */
function transportColumns(): string[] {
  const cell = (t: TransportInfo, width: number) => `${t.name.padEnd(width)}${t.family} ${t.type}`;
  const inet = TRANSPORTS.filter((t) => t.family !== "unix").map((t) => cell(t, 6));
  const unix = TRANSPORTS.filter((t) => t.family === "unix").map((t) => cell(t, 16));
  return inet.map((left, i) => `  ${unix[i] ? `${left.padEnd(23)}${unix[i]}` : left}`);
}

const ABSTRACT_HELP = [
  "Unix addresses are a path, or (unix-stream only) @name for a Linux abstract name: no file on disk.",
  "Node pads abstract names to the whole 108-byte sun_path, so a peer that uses the exact length",
  "(Python, Go, socat by default) does not meet them; socat needs ABSTRACT-CONNECT:name,unix-tightsocklen=0.",
  "unix-dgram and unix-seqpacket take paths only: node-unix-socket's seqpacket socket cuts an @name at",
  "its NUL, and its datagram socket pads it to 108 bytes as Node does, which unix-dgram does not take yet.",
].join(" ");

const MESSAGE_END_HELP = [
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
function messageEndOption(y: Argv) {
  return y.option("message-end", {
    type: "string",
    describe: "stream: where a message ends: recv (default), newline, eof, pause:MS, or a mix",
    group: "Protocol:",
  });
}

function transportOptions(y: Argv) {
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

function clientOptions(y: Argv) {
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

function addressOptions(y: Argv) {
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

type Handler = (flags: never) => Promise<void>;

/** The commands, as `handled` registers them: a usage error points at the help of the one typed. */
const COMMAND_NAMES = new Set<string>();

/** Run a command, and turn whatever it throws into one line and an exit code: never a stack trace. */
function handled(name: string, load: () => Promise<Handler>) {
  COMMAND_NAMES.add(name);
  return async (flags: unknown) => {
    try {
      await (await load())(flags as never);
    } catch (err) {
      fail(err);
    }
  };
}

function fail(err: unknown): void {
  if (err instanceof UsageError) {
    process.stderr.write(
      `playground: ${err.message}\n(see ${["playground", typedCommand(), "--help"].filter(Boolean).join(" ")})\n`,
    );
    process.exitCode = 2;
  } else if (err instanceof OpError) {
    process.stderr.write(`playground: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`playground: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

/** The command on the command line (the first word that is not a flag), if it is one of ours. */
function typedCommand(): string | undefined {
  const first = hideBin(process.argv).find((arg) => !arg.startsWith("-"));
  return first !== undefined && COMMAND_NAMES.has(first) ? first : undefined;
}

// A reader that goes away (`playground | head`) is no failure of ours: stop quietly.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const cli = yargs(hideBin(process.argv));

/** The chosen command's option definitions: public in yargs 17, missing from @types/yargs. */
function commandOptions(): OptionDefinitions {
  return (cli as unknown as { getOptions(): OptionDefinitions }).getOptions();
}

await cli
  .scriptName("playground")
  .usage("$0 [command] [options]\n\nThe classic lab's exchange over any Linux socket.")
  .command(
    ["run", "$0"],
    "server and client in one process, on a fresh address (the default)",
    (y) =>
      messageEndOption(clientOptions(transportOptions(y)))
        .option("path", {
          type: "string",
          describe: "unix: bind here instead of a fresh temp dir (a path or @name)",
          group: "Address:",
        })
        .option("abstract", {
          type: "boolean",
          default: false,
          describe: "unix-stream: a fresh abstract name (@...) instead of a file",
          group: "Address:",
        })
        .option("trace-syscalls", {
          type: "boolean",
          default: false,
          describe: "run it again under strace -f: the real system calls under each ladder step",
          group: "Output:",
        })
        .example("$0", "TCP over IPv4 (inet, stream)")
        .example("$0 --family inet --type dgram", "UDP: no listen(), no accept()")
        .example("$0 --transport unix-seqpacket", "unix seqpacket: like a stream, but records")
        .example("$0 --family unix --type stream --abstract", "an abstract name: no file on disk")
        .example("$0 --transport udp4 --trace-syscalls", "the real system calls, with their fds")
        .example("$0 --message-end eof", "the server reads until the client's EOF")
        .epilogue(`${TRANSPORTS_HELP}\n\n${MESSAGE_END_HELP}\n\n${ABSTRACT_HELP}`),
    handled("run", async () => (await import("./commands/run.js")).run),
  )
  .command(
    "server",
    "a long-running server for many clients; Ctrl-C stops it",
    (y) =>
      messageEndOption(addressOptions(transportOptions(y)))
        .option("idle-timeout", {
          type: "number",
          default: 60,
          describe: "seconds a session may go without a byte from its peer",
          group: "Limits (seconds may have decimals):",
        })
        .option("message-timeout", {
          type: "number",
          default: 120,
          describe: "seconds from accept to a whole message (stops drip-feeding)",
          group: "Limits (seconds may have decimals):",
        })
        .option("send-timeout", {
          type: "number",
          default: 30,
          describe: "seconds a reply may wait for a peer that does not read",
          group: "Limits (seconds may have decimals):",
        })
        .option("drain-timeout", {
          type: "number",
          default: 5,
          describe: "seconds sessions get to finish on Ctrl-C, SIGTERM or SIGHUP",
          group: "Limits (seconds may have decimals):",
        })
        .option("max-connections", {
          type: "number",
          default: 1024,
          describe: "connections at once; the next gets a busy reply",
          group: "Limits (seconds may have decimals):",
        })
        .option("max-message-bytes", {
          type: "number",
          default: 65536,
          describe: "longest message accepted; nothing more is buffered",
          group: "Limits (seconds may have decimals):",
        })
        .option("max-peers", {
          type: "number",
          default: 1000,
          describe: "datagram peers remembered at once (oldest forgotten)",
          group: "Limits (seconds may have decimals):",
        })
        .option("mode", {
          type: "string",
          default: "600",
          describe: "unix: the socket file's permissions, in octal",
          group: "Address:",
        })
        .example("$0 server", "TCP on 127.0.0.1:1234")
        .example("$0 server --family inet6 --type dgram --port 4000", "UDP on [::1]:4000")
        .example("$0 server --family unix --type seqpacket --path /tmp/sp.sock", "a seqpacket socket file")
        .example("$0 server --transport unix-stream --path @playground", "an abstract name")
        .example(
          "$0 server --path /tmp/shared.sock --transport unix-stream --mode 666",
          "a socket every user may use",
        )
        .example("$0 server --host 0.0.0.0", "every interface, not only loopback (prints a warning)")
        .example("$0 server --message-end newline", "whole lines, however TCP cuts them")
        .epilogue(
          `Talk to it with \`playground client\` and the same flags, or nc, socat, or your own program.\n\n${TRANSPORTS_HELP}\n\n${MESSAGE_END_HELP}\n\n${ABSTRACT_HELP}`,
        ),
    handled("server", async () => (await import("./commands/server.js")).server),
  )
  .command(
    "client",
    "one session against a running server: prints the welcome and the ack",
    (y) =>
      clientOptions(addressOptions(transportOptions(y)))
        .example("$0 client", "to a TCP server on 127.0.0.1:1234")
        .example("$0 client --family unix --type dgram --path /tmp/sp.sock", "to a unix datagram server")
        .example("$0 client --port 1234 --message 'hi there'", "send your own message")
        .epilogue(
          `Exit code 0 when the lab's ack arrived, 1 when anything else happened (it says what), 2 for bad flags. --timeout bounds the whole session; a reply of more than 64 KiB ends it.\n\n${TRANSPORTS_HELP}\n\n${ABSTRACT_HELP}`,
        ),
    handled("client", async () => (await import("./commands/client.js")).client),
  )
  .command(
    "compare",
    "every transport side by side: calls, semantics, and numbers measured now",
    (y) =>
      y
        .option("transport", {
          alias: "transports",
          type: "string",
          describe: `comma-separated, or all (the default): ${TRANSPORT_NAMES.join(", ")}`,
        })
        .option("duration", {
          type: "number",
          default: 1.5,
          describe: "seconds of measuring, shared by the transports",
        })
        .option("format", {
          type: "string",
          choices: ["table", "markdown", "json"] as const,
          describe: "table (default), Markdown to paste into notes, or one JSON document",
        })
        .option("json", { type: "boolean", default: false, describe: "short for --format json" })
        .example("$0 compare", "all seven, in about two seconds")
        .example(
          "$0 compare --transport tcp4,udp4,unix-stream --duration 5",
          "three of them, measured longer",
        )
        .example("$0 compare --format markdown > compare.md", "a table for your notes"),
    handled("compare", async () => (await import("./commands/compare.js")).compare),
  )
  .command(
    "experiment [name]",
    "the man pages' claims about sockets, run live on each transport they apply to",
    (y) =>
      y
        .positional("name", {
          type: "string",
          default: "list",
          describe: "list, all, or an experiment's name",
        })
        .option("transport", {
          alias: "transports",
          type: "string",
          describe: "only these transports: comma-separated, or all (the default)",
        })
        .option("json", {
          type: "boolean",
          default: false,
          describe: "JSON: an array for list, one object per experiment run",
        })
        .example("$0 experiment list", "names, summaries, and where each applies")
        .example("$0 experiment connect-no-listener", "run one: ladder, verdicts, explanation")
        .example("$0 experiment message-boundaries --transport tcp4,unix-seqpacket", "on chosen transports")
        .example("$0 experiment all", "every one, with a summary table at the end"),
    handled("experiment", async () => (await import("./commands/experiment.js")).experiment),
  )
  .command(
    "bench",
    "latency, throughput and sessions per second, measured now",
    (y) =>
      y
        .option("transport", {
          alias: "transports",
          type: "string",
          describe: "transports, comma-separated, or all (the default)",
        })
        .option("mode", {
          type: "string",
          choices: ["pingpong", "throughput", "sessions", "classic", "all"] as const,
          default: "all" as const,
          describe: "round trips, bytes one way, whole sessions (ours, or the lab's classic client)",
        })
        .option("duration", {
          type: "number",
          default: 1,
          describe: "seconds measured per transport and mode",
        })
        .option("warmup", { type: "number", default: 0.5, describe: "seconds of load before measuring" })
        .option("size", {
          type: "number",
          describe: "bytes per message (pingpong 64; throughput 128 KiB streams, 8 KiB others)",
        })
        .option("concurrency", { type: "number", default: 32, describe: "sessions mode: clients at once" })
        .option("json", { type: "boolean", default: false, describe: "one JSON document, with the machine" })
        .example("$0 bench", "every transport in every mode: a minute")
        .example("$0 bench --transport tcp4 --mode sessions", "sessions per second over TCP")
        .example(
          "$0 bench --transport tcp4 --mode classic --concurrency 1",
          "the lab's client, one at a time",
        )
        .example("$0 bench --mode pingpong --size 1024", "round trips of 1 KiB messages")
        .example("$0 bench --json > bench.json", "the results, the machine and the date")
        .epilogue(
          "sessions runs the real `playground server` against our client, which shuts down its side " +
            "after the message; classic runs it against the lab's client.py (recv, send, recv, close: no " +
            "shutdown), on connection transports; pingpong and throughput run a small echo or sink server " +
            "on the same transports (dist/bench/bench-server.js). Each server has a process of its own. " +
            "Ratios to a raw-Node floor, sockperf and iperf3: npx tsx scripts/bench-floor.ts.\n\n" +
            TRANSPORTS_HELP,
        ),
    handled("bench", async () => (await import("./commands/bench.js")).bench),
  )
  // Not yargs' .completion(): its command does not stop where a parse callback is given (below), so
  // the default command would run after the script. The script asks `--get-yargs-completions`.
  .command(
    "completion",
    "print a bash or zsh completion script: Tab completes commands and flags",
    (y) =>
      y
        .example("$0 completion >> ~/.bashrc", "bash, from the next shell on")
        .example("$0 completion >> ~/.zshrc", "zsh"),
    () => {
      cli.showCompletionScript();
    },
  )
  // Before yargs' own checks, once the command's options are known: numbers, and flags that do not apply.
  .middleware((argv) => {
    try {
      for (const warning of checkFlags(argv, commandOptions(), hideBin(process.argv))) {
        process.stderr.write(`playground: warning: ${warning}\n`);
      }
    } catch (err) {
      fail(err);
      process.exit(process.exitCode);
    }
  }, true)
  .strict()
  .help()
  .alias("help", "h")
  .version()
  .alias("version", "V")
  // Unwrapped here; layoutHelp wraps it below, at spaces and never inside an example command.
  .wrap(null)
  .fail((message, err) => {
    // Only yargs' own checks land here (handlers catch their errors): nothing has started yet.
    const commands = [...COMMAND_NAMES, "completion"];
    fail(
      err ?? new UsageError(rewordYargsMessage(message, commandOptions(), commands, hideBin(process.argv))),
    );
    process.exit(process.exitCode);
  })
  // A parse callback makes yargs hand us what it would print (help, version) instead of printing it.
  .parseAsync(hideBin(process.argv), {}, (_err, argv, output) => {
    if (output) process.stdout.write(`${argv.help ? layoutHelp(output, helpWidth()) : output}\n`);
  });
