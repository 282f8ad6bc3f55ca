// The views and log levels by name: what the command line offers, in a module that imports nothing,
// so that --help and -V load no view or socket code to list them.

export const FORMATS = ["ladder", "lines", "mermaid", "json"] as const;
export type Format = (typeof FORMATS)[number];

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";
export const LOG_LEVELS: LogLevel[] = ["trace", "debug", "info", "warn", "error", "silent"];

/** Whether a sink set to `level` shows what is logged at `wanted`. */
export function shows(level: LogLevel, wanted: LogLevel): boolean {
  return LOG_LEVELS.indexOf(wanted) >= LOG_LEVELS.indexOf(level);
}
