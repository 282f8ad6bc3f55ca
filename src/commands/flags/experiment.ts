// `playground experiment` on the command line: its options, and the flags they give its handler
// (../experiment.ts). Socket-free, so that --help loads no socket code.
import type { Argv } from "yargs";
import { type FlagsOf, hostsOption, transportListOption } from "./shared.js";

export const experimentOptions = (y: Argv) =>
  hostsOption(transportListOption(y))
    .positional("name", {
      type: "string",
      default: "list",
      describe: "list, all, or an experiment's name",
    })
    .option("json", {
      type: "boolean",
      default: false,
      describe: "JSON: an array for list, one object per experiment run",
    })
    .option("capture", {
      type: "boolean",
      default: false,
      describe: "root: add each inet run's packets on lo (tcpdump's words) to its evidence",
    })
    .example("sudo $0 experiment connect-no-listener --capture", "the SYN and the RST that refused it")
    .example("$0 experiment list", "names, summaries, and where each applies")
    .example("$0 experiment connect-no-listener", "run one: ladder, verdicts, explanation")
    .example("$0 experiment message-boundaries --transport tcp4,unix-seqpacket", "on chosen transports")
    .example("$0 experiment all", "every one, with a summary table at the end")
    .example("sudo $0 experiment all --hosts two", "the lab's experiments: what loopback cannot show");

export type ExperimentFlags = FlagsOf<typeof experimentOptions>;

export const experimentLine = {
  name: "experiment",
  command: "experiment [name]",
  describe: "the man pages' claims about sockets, run live on each transport they apply to",
  builder: experimentOptions,
};
