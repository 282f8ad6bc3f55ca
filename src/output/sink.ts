// Where SocketEvents go. `lines` (the lab's conversation) and `json` (NDJSON through pino, so `| jq`
// works) print each event as it happens; `ladder` and `mermaid` need the whole run and print at the
// end. stdout carries what the user asked for; failures go to stderr. pino is loaded only for --json.
import type { SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import { renderLadder } from "../views/ladder.js";
import { ClassicLines, callLine } from "../views/lines.js";
import { renderMermaid } from "../views/mermaid.js";
import { notesFor } from "../views/notes.js";
import { useColor } from "../views/paint.js";
import { wrap } from "../views/wrap.js";

export const FORMATS = ["ladder", "lines", "mermaid", "json"] as const;
export type Format = (typeof FORMATS)[number];

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";
export const LOG_LEVELS: LogLevel[] = ["trace", "debug", "info", "warn", "error", "silent"];

export interface Sink {
  event(event: SocketEvent): void;
  /** A plain line that is not a socket call: a note on an abstract name, the server stopping. */
  say(text: string): void;
  /** Print what waits for the end of the run, and flush. */
  finish(): Promise<void>;
}

export async function createSink(transport: TransportInfo, format: Format, level: LogLevel): Promise<Sink> {
  if (format === "json") return jsonSink(transport, level);
  const shows = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= LOG_LEVELS.indexOf(level);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  // A failed setup call, and anything failing on the client side, ends the command: the CLI prints
  // that one line. What fails inside a server's session does not, so it is said here.
  const failure = (e: SocketEvent) => {
    const ofSession = e.side === "server" && !["socket", "bind", "listen"].includes(e.call);
    if (e.errno && ofSession && shows("warn")) process.stderr.write(`${callLine(e)}\n`);
  };

  if (format === "lines") {
    const classic = new ClassicLines(transport);
    return {
      event(e) {
        failure(e);
        if (shows("debug")) out(callLine(e));
        else if (shows("info")) for (const line of classic.lines(e)) out(line);
      },
      say: (text) => shows("info") && out(text),
      finish: async () => {},
    };
  }

  const events: SocketEvent[] = [];
  const said: string[] = [];
  return {
    event(e) {
      failure(e);
      events.push(e);
    },
    say: (text) => said.push(text),
    async finish() {
      if (!shows("info") || events.length === 0) return;
      for (const text of said) out(text);
      if (format === "mermaid") {
        process.stdout.write(renderMermaid(events, transport));
        return;
      }
      process.stdout.write(renderLadder(events, transport, useColor(process.stdout)));
      out("\nNotes:");
      for (const note of notesFor(events, transport)) out(wrap(`  • ${note}`, 100, "    "));
    },
  };
}

async function jsonSink(transport: TransportInfo, level: LogLevel): Promise<Sink> {
  const { pino } = await import("pino");
  const logger = pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime });
  return {
    event: (e) => (e.errno ? logger.warn(e, callLine(e)) : logger.info(e, callLine(e))),
    say: (text) => logger.info({ note: text, transport: transport.name }, text),
    finish: () => new Promise((resolve) => logger.flush(() => resolve())),
  };
}
