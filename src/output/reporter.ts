// Where events go: human lines on stdout (errors on stderr), or NDJSON through pino with --json so
// that `| jq` works. pino is loaded only when asked for, to keep start-up quick.
import type { ProtocolEvent, Report } from "../protocol/events.js";
import type { TransportInfo } from "../transports/transport.js";
import { humanLine } from "./human.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";
export const LOG_LEVELS: LogLevel[] = ["trace", "debug", "info", "warn", "error", "silent"];

export interface Reporter {
  report: Report;
  /** Plain lines that are not protocol events: the client's result, notes on the transport. */
  say(text: string): void;
  flush(): Promise<void>;
}

/** Events that only say what the protocol did in passing are debug; the conversation itself is info. */
const DEBUG_EVENTS = new Set<ProtocolEvent["event"]>([
  "sent",
  "resent",
  "connected",
  "bound",
  "session-closed",
]);

function levelOf(event: ProtocolEvent): "debug" | "info" | "warn" {
  if (event.event === "error") return "warn";
  return DEBUG_EVENTS.has(event.event) ? "debug" : "info";
}

export async function createReporter(
  transport: TransportInfo,
  json: boolean,
  level: LogLevel,
): Promise<Reporter> {
  if (json) {
    const { pino } = await import("pino");
    const logger = pino({
      level,
      base: { transport: transport.name },
      timestamp: pino.stdTimeFunctions.isoTime,
    });
    return {
      report: (event) => logger[levelOf(event)](event, humanLine(event, transport)),
      say: (text) => logger.info({ event: "note", text }, text),
      flush: () => new Promise((resolve) => logger.flush(() => resolve())),
    };
  }
  const rank = (l: LogLevel) => LOG_LEVELS.indexOf(l);
  return {
    report(event) {
      if (rank(levelOf(event)) < rank(level)) return;
      const line = humanLine(event, transport);
      (event.event === "error" ? process.stderr : process.stdout).write(`${line}\n`);
    },
    say(text) {
      if (rank("info") >= rank(level)) process.stdout.write(`${text}\n`);
    },
    flush: async () => {},
  };
}
