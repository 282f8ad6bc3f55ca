// The flags the commands share, as one type; yargs fills it (cli.ts).
import type { Format, LogLevel } from "../output/sink.js";

export interface CommonFlags {
  family?: string;
  type?: string;
  transport?: string;
  json: boolean;
  format?: Format;
  logLevel?: LogLevel;
}

export interface ClientFlags {
  message: string;
  timeout: number;
  retries: number;
}

/** --json is short for --format json; otherwise the command's own default view. */
export function formatOf(flags: CommonFlags, fallback: Format): Format {
  return flags.json ? "json" : (flags.format ?? fallback);
}
