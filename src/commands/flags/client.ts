// `playground client` on the command line: its options, and the flags they give its handler
// (../client.ts). Socket-free, so that --help loads no socket code.
import type { Argv } from "yargs";
import {
  ABSTRACT_HELP,
  addressOptions,
  type FlagsOf,
  sessionOptions,
  TRANSPORTS_HELP,
  transportOptions,
} from "./shared.js";

export const clientOptions = (y: Argv) =>
  sessionOptions(addressOptions(transportOptions(y)))
    .example("$0 client", "to a TCP server on 127.0.0.1:1234")
    .example("$0 client --family unix --type dgram --path /tmp/sp.sock", "to a unix datagram server")
    .example("$0 client --port 1234 --message 'hi there'", "send your own message")
    .epilogue(
      `Exit code 0 when the lab's ack arrived, 1 when anything else happened (it says what), 2 for bad flags. --timeout bounds the whole session; a reply of more than 64 KiB ends it.\n\n${TRANSPORTS_HELP}\n\n${ABSTRACT_HELP}`,
    );

export type ClientFlags = FlagsOf<typeof clientOptions>;

export const clientLine = {
  name: "client",
  command: "client",
  describe: "one session against a running server: prints the welcome and the ack",
  builder: clientOptions,
};
