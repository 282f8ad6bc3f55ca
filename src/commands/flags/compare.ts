// `playground compare` on the command line: its options, and the flags they give its handler
// (../compare.ts). Socket-free, so that --help loads no socket code.
import type { Argv } from "yargs";
import { type FlagsOf, linkOptions, transportListOption } from "./shared.js";

/** Seconds of measuring, shared by the transports: compare's default, and report's. */
export const COMPARE_SECONDS = 1.5;

export const compareOptions = (y: Argv) =>
  linkOptions(transportListOption(y))
    .option("duration", {
      type: "number",
      default: COMPARE_SECONDS,
      describe: "seconds of measuring, shared by the transports",
    })
    .option("format", {
      type: "string",
      choices: ["table", "markdown", "json"] as const,
      describe: "table (default), Markdown to paste into notes, or one JSON document",
    })
    .option("json", { type: "boolean", default: false, describe: "short for --format json" })
    .option("capture", {
      type: "boolean",
      default: false,
      describe: "root: the traced session's packets on lo (tcpdump), in a table of their own",
    })
    .example("$0 compare", "all seven, in about two seconds")
    .example("$0 compare --transport tcp4,udp4,unix-stream --duration 5", "three of them, measured longer")
    .example("$0 compare --format markdown > compare.md", "a table for your notes")
    .example("sudo $0 compare --hosts two --loss 10", "the inet transports across a link that loses 10 %");

export type CompareFlags = FlagsOf<typeof compareOptions>;

export const compareLine = {
  name: "compare",
  command: "compare",
  describe: "every transport side by side: calls, semantics, and numbers measured now",
  builder: compareOptions,
};
