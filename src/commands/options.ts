// The flags the commands share, as one type; yargs fills it (cli.ts).
import type { LogLevel } from "../output/reporter.js";

export interface CommonFlags {
  family?: string;
  type?: string;
  transport?: string;
  json: boolean;
  logLevel?: LogLevel;
}

export interface ClientFlags {
  message: string;
  timeout: number;
  retries: number;
}
