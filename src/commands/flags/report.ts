// `playground report` on the command line: its options, and the flags they give its handler
// (../report.ts). Socket-free, so that --help loads no socket code (nor Vega).
import type { Argv } from "yargs";
import { type FlagsOf, TRANSPORT_LIST_HELP, transportListOption } from "./shared.js";

export const DEFAULT_REPORT = "playground-report.html";

export const reportOptions = (y: Argv) =>
  transportListOption(y)
    .option("out", {
      alias: "o",
      type: "string",
      default: DEFAULT_REPORT,
      describe: "the HTML file to write (replaced whole, never left half-written)",
    })
    .option("experiments", {
      type: "string",
      describe: "experiments to run and show too: comma-separated names, or all (those on one host)",
    })
    .option("capture", {
      type: "boolean",
      default: false,
      describe: "root: each inet session's packets on lo (tcpdump) as a wire lane in its ladder",
    })
    .option("bench", {
      type: "boolean",
      default: false,
      describe: "run the bench too (every mode: about 5 s per transport) and chart it",
    })
    .example("$0 report", "all seven transports: ladders, the comparison and its charts")
    .example("$0 report --transports tcp4,udp4,unix-seqpacket --bench", "three of them, with the bench")
    .example("$0 report --experiments half-close,message-boundaries", "with two experiments")
    .example("$0 report --experiments all --out lab.html", "every experiment, in lab.html")
    .example("sudo $0 report --capture", "with the wire: each inet session's packets")
    .epilogue(
      "One self-contained HTML file, with nothing to fetch when it is opened: each transport's ladder " +
        "as SVG with its notes, the comparison as a table to copy and as charts, and, as asked, the " +
        "bench's latency curves and throughput and the experiments' verdicts and ladders; with the " +
        "command, the machine, the kernel, Node and the date. It prints on A4 and needs no JavaScript.\n\n" +
        TRANSPORT_LIST_HELP,
    );

export type ReportFlags = FlagsOf<typeof reportOptions>;

export const reportLine = {
  name: "report",
  command: "report",
  describe: "one HTML file of it all: SVG ladders, the comparison, charts, experiments, the bench",
  builder: reportOptions,
};
