// `playground server` on the command line: its options, and the flags they give its handler
// (../server.ts). Socket-free, so that --help loads no socket code.
import type { Argv } from "yargs";
import {
  ABSTRACT_HELP,
  addressOptions,
  type FlagsOf,
  MESSAGE_END_HELP,
  messageEndOption,
  TRANSPORTS_HELP,
  transportOptions,
} from "./shared.js";

export const serverOptions = (y: Argv) =>
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
    );

export type ServerFlags = FlagsOf<typeof serverOptions>;

export const serverLine = {
  name: "server",
  command: "server",
  describe: "a long-running server for many clients; Ctrl-C stops it",
  builder: serverOptions,
};
