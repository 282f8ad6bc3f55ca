// `playground run` on the command line: its options, and the flags they give its handler
// (../run.ts). Socket-free, so that --help loads no socket code.
import type { Argv } from "yargs";
import {
  ABSTRACT_HELP,
  type FlagsOf,
  linkOptions,
  MESSAGE_END_HELP,
  messageEndOption,
  sessionOptions,
  TRANSPORTS_HELP,
  transportOptions,
} from "./shared.js";

export const runOptions = (y: Argv) =>
  linkOptions(messageEndOption(sessionOptions(transportOptions(y))))
    .option("path", {
      type: "string",
      describe: "unix: bind here instead of a fresh temp dir (a path or @name)",
      group: "Address:",
    })
    .option("abstract", {
      type: "boolean",
      default: false,
      describe: "unix: a fresh abstract name (@...) instead of a file",
      group: "Address:",
    })
    .option("trace-syscalls", {
      type: "boolean",
      default: false,
      describe: "run it again under strace -f: the real system calls under each ladder step",
      group: "Output:",
    })
    .option("capture", {
      type: "boolean",
      default: false,
      describe: "root: the session's packets (tcpdump on lo) in a wire lane between client and server",
      group: "Output:",
    })
    .example("$0", "TCP over IPv4 (inet, stream)")
    .example("$0 --family inet --type dgram", "UDP: no listen(), no accept()")
    .example("$0 --transport unix-seqpacket", "unix seqpacket: like a stream, but records")
    .example("$0 --family unix --type stream --abstract", "an abstract name: no file on disk")
    .example("$0 --transport udp4 --trace-syscalls", "the real system calls, with their fds")
    .example("sudo $0 --capture", "the handshake, the data segments and the FINs, as tcpdump saw them")
    .example("$0 --message-end eof", "the server reads until the client's EOF")
    .example("sudo $0 --hosts two --transport udp4 --loss 30", "across a lossy link: the client resends")
    .epilogue(`${TRANSPORTS_HELP}\n\n${MESSAGE_END_HELP}\n\n${ABSTRACT_HELP}`);

export type RunFlags = FlagsOf<typeof runOptions>;

export const runLine = {
  name: "run",
  command: ["run", "$0"],
  describe: "server and client in one process, on a fresh address (the default)",
  builder: runOptions,
};
