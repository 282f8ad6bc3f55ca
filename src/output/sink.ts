// Where SocketEvents go. `lines` (the lab's conversation) and `json` (NDJSON through pino, so `| jq`
// works) print each event as it happens; `ladder` and `mermaid` need the whole run and print at the
// end. stdout carries what the user asked for; failures go to stderr. pino is loaded only for --json.
import type { EventName, SocketEvent, Trace } from "../trace/events.js";
import { type TraceOrigin, wallTime } from "../trace/origin.js";
import { createTracer } from "../trace/tracer.js";
import type { TransportInfo } from "../transports/transport.js";
import { renderLadder } from "../views/ladder.js";
import type { LaneHosts } from "../views/layout.js";
import { CLASSIC_CALLS, ClassicLines, callLine } from "../views/lines.js";
import { renderMermaid } from "../views/mermaid.js";
import { notesFor } from "../views/notes.js";
import { useColor } from "../views/paint.js";
import { wrap } from "../views/wrap.js";
import { wireRecords } from "../wire/json.js";
import { wireNotes } from "../wire/notes.js";
import type { Wire } from "../wire/wire.js";
import { type Format, type LogLevel, shows } from "./levels.js";

export interface Sink {
  event(event: SocketEvent): void;
  /** Whether a successful call of this kind is shown at all (Trace.wants); failures always are. */
  wants(call: EventName): boolean;
  /** A plain line that is not a socket call: a note on an abstract name, the server stopping. */
  say(text: string): void;
  /** The trace began at `origin` (--json records it, so that other sources' times can join). */
  began(origin: TraceOrigin): void;
  /** Whether what it shows carries times: the lab's lines do not, and their trace reads no clock. */
  readonly timed: boolean;
  /** What crossed the wire (--capture), once the session is over: drawn with the calls. */
  wire(wire: Wire): void;
  /** Print what waits for the end of the run, and flush. */
  finish(): Promise<void>;
}

/** A tracer whose events go to `sink`, which it tells when the trace began. */
export function traceInto(sink: Sink, transport: TransportInfo): Trace {
  const trace = createTracer(
    transport,
    (e) => sink.event(e),
    (call) => sink.wants(call),
    sink.timed,
  );
  sink.began(trace.origin);
  return trace;
}

const SETUP_CALLS = new Set(["socket", "bind", "listen"]);
/** Lines wait at most this long to be written together; a batch goes as soon as it has this many characters. */
const FLUSH_MS = 50;
const FLUSH_CHARS = 64 * 1024;

/** `hosts`: the host each side ran on, for the lanes' headings, when they ran on two (--hosts two). */
export async function createSink(
  transport: TransportInfo,
  format: Format,
  level: LogLevel,
  hosts?: LaneHosts,
): Promise<Sink> {
  if (format === "json") return jsonSink(transport, level);
  const [debug, info, warn] = [shows(level, "debug"), shows(level, "info"), shows(level, "warn")];
  const out = format === "lines" ? batchedStdout() : unbatchedStdout();
  // A failed setup call, and anything failing on the client side, ends the command: the CLI prints
  // that one line. What fails inside a server's session does not, so it is said here; and so is what
  // the server refused (a busy peer, a message too long), which is the peer's failure.
  /** Whether it said the event (on stderr), so that debug does not say it again on stdout. */
  const failure = (e: SocketEvent): boolean => {
    if (!(e.errno || e.refusal) || !warn || e.side !== "server" || SETUP_CALLS.has(e.call)) return false;
    out.flush(); // in order with the lines before it, on a terminal showing both
    process.stderr.write(`${callLine(e)}\n`);
    return true;
  };

  if (format === "lines") {
    const classic = new ClassicLines(transport);
    return {
      event(e) {
        const said = failure(e);
        // debug shows every call as well as the lab's lines, as a more verbose level should.
        if (info) classic.lines(e, out);
        if (debug && !said) out(callLine(e));
      },
      wants: (call) => debug || (info && CLASSIC_CALLS.has(call)),
      say(text) {
        if (!info) return;
        out(text);
        out.flush(); // a note is rare, and must come before any failure the CLI prints after it
      },
      began() {}, // the lab's lines carry no times
      timed: false,
      wire() {}, // --capture refuses --format lines (validate.ts): the lines carry no times to place packets
      finish: async () => out.flush(),
    };
  }

  const events: SocketEvent[] = [];
  const said: string[] = [];
  let wire: Wire | undefined;
  return {
    event(e) {
      failure(e);
      events.push(e);
    },
    wants: () => info, // the ladder and the diagram draw every call
    say: (text) => said.push(text),
    began() {}, // the ladder and the diagram draw times since the trace began
    timed: true,
    wire: (captured) => {
      wire = captured;
    },
    async finish() {
      if (!info || events.length === 0) return;
      for (const text of said) out(text);
      if (format === "mermaid") {
        process.stdout.write(renderMermaid(events, transport, wire, hosts));
        return;
      }
      process.stdout.write(renderLadder(events, transport, useColor(process.stdout), wire, hosts));
      const notes = [...notesFor(events, transport), ...(wire ? wireNotes(wire, events) : [])];
      if (notes.length > 0) out("\nNotes:");
      for (const note of notes) out(wrap(`  • ${note}`, 100, "    "));
    },
  };
}

type Out = ((text: string) => void) & { flush(): void };

function unbatchedStdout(): Out {
  return Object.assign((text: string) => process.stdout.write(`${text}\n`), { flush() {} });
}

/**
 * Lines for stdout, written together at most FLUSH_MS after the first of them. A busy server prints
 * two lines per session, and one write() per line, or even per turn of the event loop, was a good
 * part of what a session cost. A write(2) costs more for being made than for its bytes (to a file
 * here: 6 µs with 6 KiB, 15 µs with 64 KiB), and a batch every 10 ms was still about 1 % of a
 * session's CPU under 32 lab clients (perf); 50 ms later is still at once to a reader. The lines
 * wait as one string, joined as they come: V8 joins two strings by pointing at both, and copies
 * and encodes the whole batch once, at the write. Encoding each line into a buffer as it came
 * (a call into Node's C++ and a flat copy of the line first) cost more, and an array joined at the
 * end more again. Whatever is pending is handed to stdout before the process exits, however it exits.
 */
function batchedStdout(): Out {
  let pending = "";
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending === "") return;
    const batch = pending;
    pending = "";
    process.stdout.write(batch);
  };
  // Written at exit too. To a file or a terminal the write is synchronous and nothing is lost; to a
  // pipe its reader has let fill, Node queues it, and only a process.exit() (a second Ctrl-C) drops it.
  process.once("exit", flush);
  return Object.assign(
    (text: string) => {
      pending += text;
      pending += "\n";
      if (pending.length >= FLUSH_CHARS) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    { flush },
  );
}

async function jsonSink(transport: TransportInfo, level: LogLevel): Promise<Sink> {
  const { pino } = await import("pino");
  const logger = pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime });
  return {
    event: (e) => (e.errno || e.refusal ? logger.warn(e, callLine(e)) : logger.info(e, callLine(e))),
    wants: () => logger.isLevelEnabled("info"),
    say: (text) => logger.info({ note: text, transport: transport.name }, text),
    timed: true,
    began: (origin) => {
      const wall = wallTime(origin);
      logger.info(
        { t: 0, trace: "began", wallTime: wall, origin, transport: transport.name },
        `trace began at ${wall}`,
      );
    },
    wire: (wire) => {
      for (const { record, msg } of wireRecords(wire, transport.name)) logger.info(record, msg);
    },
    finish: () => new Promise((resolve) => logger.flush(() => resolve())),
  };
}
