// The one event model. Every transport and the protocol report what they do as SocketEvents — one
// per socket call, in the words of socket(2) — and every view (the classic lines, the ladder, Mermaid,
// --json) is a reader of these. Nothing here touches a socket.
import { DeadlineError, type OpError } from "../errors.js";
import { type Api, type Family, madeBy, type SocketType, type TransportName } from "../transports/facts.js";
import type { TraceOrigin } from "./origin.js";

export type Side = "server" | "client";

export type SocketCall =
  | "socket"
  | "bind"
  | "listen"
  | "accept"
  | "connect"
  | "send"
  | "sendto"
  | "recv"
  | "recvfrom"
  | "shutdown"
  | "close";

/**
 * What a run shows that is not a call of anyone's: drawn as what it is, never as a call, and in --json
 * under a name that is not one of socket(2)'s.
 *
 *   message-end  the server decided a stream message was complete (message-end.ts); `detail` says
 *                what ended it, `rule` the rule in force
 *   eof          Node's 'end' event: the peer shut down its side. Sometimes a read() returned 0, and
 *                sometimes libuv took epoll's hang-up after a short read as EOF and read nothing:
 *                --trace-syscalls shows which
 *   refused      the playground, or a library, refused before making the call it names in `detail`
 *                (a socket path too long for sun_path, say): the kernel was never asked
 *   gave-up      the playground stopped waiting for the call it names in `detail` at a deadline of its
 *                own (--timeout, the send timeout): that call had not returned, and no errno came
 */
const HAPPENING_NAMES = ["message-end", "eof", "refused", "gave-up"] as const;
export type Happening = (typeof HAPPENING_NAMES)[number];

const HAPPENINGS: ReadonlySet<string> = new Set(HAPPENING_NAMES);

/** What an event is: a call, or a happening. */
export type EventName = SocketCall | Happening;

export interface SocketEvent {
  /** Microseconds since the trace began. */
  t: number;
  transport: TransportName;
  family: Family;
  type: SocketType;
  side: Side;
  /** The server's session this call belongs to; the client has one session and no number. */
  session?: number;
  call: EventName;
  /**
   * Node made this call without a call of ours that names it: server.listen() is socket + bind +
   * listen, accept() happens before the 'connection' event, reads happen before 'data'. `via` says inside what.
   */
  inferred: boolean;
  via?: string;
  local?: string;
  remote?: string;
  bytes?: number;
  /** A short printable preview of the data. */
  preview?: string;
  /** What else the call said: "backlog 4096", "SHUT_WR", how a session ended, AFTER_MESSAGE. */
  detail?: string;
  /** On a server session's close: the bytes the peer sent after its message, read and thrown away. */
  discarded?: number;
  /**
   * Set where the server refused a peer or its message: what it answered, or that it closed without
   * an answer ("refused the message: answered …"). Shown like a failure: at --log-level warn too.
   */
  refusal?: string;
  /** Set when the call failed: the errno name, and the one-line message. */
  errno?: string;
  message?: string;
  /** A message-end's rule, as `--message-end` takes it: "recv", "newline,pause:20". */
  rule?: string;
  /**
   * The address a bind() was given, where that is not the address the socket ended up with: port 0
   * (the kernel chose the port in `local`), or a socket file bound under a private name and then
   * linked into place. The ladder draws the call with what the kernel received.
   */
  requested?: string;
}

/**
 * What a transport or the protocol hands in; the tracer stamps transport, family and type, and the
 * time: now, or `t` from trace.now() taken when the call was made (Node reports a connect() when it
 * has finished, long after the call).
 */
export type CallRecord = Omit<SocketEvent, "t" | "transport" | "family" | "type"> & { t?: number };

export interface Trace {
  (record: CallRecord): void;
  /**
   * Microseconds since the trace began; 0 where nothing shown carries times (the lab's lines): the
   * trace then reads no clock, which a busy server would otherwise read several times a session.
   */
  now(): number;
  /** When it began, on the machine's clocks: where other sources' timestamps join it. */
  readonly origin: TraceOrigin;
  /**
   * Whether anyone shows a successful call of this kind. A busy server asks before it builds a
   * record nobody will see (the lab's lines show no send() or close()); failed calls are always
   * reported.
   */
  wants(call: EventName): boolean;
}

export const noTrace: Trace = Object.assign(() => {}, {
  now: () => 0,
  wants: () => false,
  origin: { wallUs: 0, monotonicUs: 0 },
});

/** The refusal of a message the server answered with `reply` (an error line) instead of the ack. */
export function refusedWith(reply: Buffer): string {
  return `refused the message: answered "${preview(reply)}"`;
}

/** The detail of a server's recv() after the session's one message: read, and no part of it. */
export const AFTER_MESSAGE = "after the message: discarded";

/**
 * A read on a connection, as a call (at `t`, if given): on node:net Node made the recv() before its
 * 'data' event (inferred); on the playground's own addon the playground called socket.recv() itself.
 */
export function readCall(api: Api, chunk: Buffer, t?: number, detail?: string) {
  const { inferred, via } = madeBy(api, "'data' event", "socket.recv()");
  // Field by field, not spread: see StreamSession.call() for what spreading records cost a server.
  return { t, call: "recv", inferred, via, bytes: chunk.length, preview: preview(chunk), detail } as const;
}

/**
 * Node's 'end' event: the peer shut down its writing side (a Happening: see above). On a record
 * socket (seqpacket) recv() returns 0 for an empty record too; the addon tells the two apart
 * (POLLRDHUP), and only end-of-file is an 'end'.
 */
export function eofEvent(peer: "client" | "server", t?: number) {
  const detail = peer === "client" ? "the client shut down its side" : "the server shut down its side";
  return { t, call: "eof", inferred: false, via: "'end' event", detail } as const;
}

/** Whether an event is a socket call, not a Happening. */
export function isCall(e: SocketEvent): e is SocketEvent & { call: SocketCall } {
  return !HAPPENINGS.has(e.call);
}

/** Whether system calls can stand under an event: every call, and an EOF (a read() that returned 0). */
export function hasSyscalls(e: SocketEvent): boolean {
  return isCall(e) || e.call === "eof";
}

/**
 * Events in the order the calls were made. Events are reported when Node tells us a call finished, so
 * a connect() (stamped when it was made) can be reported after the accept() it caused.
 */
export function inTimeOrder(events: readonly SocketEvent[]): SocketEvent[] {
  return [...events].sort((a, b) => a.t - b.t);
}

const PREVIEW_CHARS = 120;
const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Bytes as a reader sees them: text with control characters escaped, a trailing newline dropped. */
export function preview(data: Buffer): string {
  // Most payloads are short printable ASCII: those need no escaping and are previewed as they are.
  const end = data.length > 0 && data[data.length - 1] === 0x0a ? data.length - 1 : data.length;
  if (end <= PREVIEW_CHARS && isPrintableAscii(data, end)) return data.toString("latin1", 0, end);
  const text = [
    ...data
      .subarray(0, PREVIEW_CHARS * 4)
      .toString("utf8")
      .replace(/\r?\n$/, ""),
  ]
    .map(escapeControl)
    .join("");
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/** C0 controls, DEL and C1 controls: what a terminal may act on instead of showing. */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function escapeControl(c: string): string {
  const code = c.charCodeAt(0);
  if (!isControl(code)) return c;
  return ESCAPES[c] ?? `\\x${code.toString(16).padStart(2, "0")}`;
}

/**
 * Text a peer may have chosen (a unix socket's path, an error naming it) as it may be shown: every C0
 * and C1 control escaped, so that no peer can forge a line or send a terminal its control sequences.
 */
export function printable(text: string): string {
  for (let i = 0; i < text.length; i++) {
    if (isControl(text.charCodeAt(i))) return [...text].map(escapeControl).join("");
  }
  return text;
}

function isPrintableAscii(data: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const byte = data[i] as number;
    if (byte < 0x20 || byte >= 0x7f) return false;
  }
  return true;
}

/** The detail of a connect() the playground stopped waiting for: made, and never answered. */
export const IN_PROGRESS = "in progress";

/**
 * How a failed `call` goes on the trace: the call with the kernel's errno, or, where the playground
 * stopped waiting at its own deadline (DeadlineError), that happening, naming the call it gave up on.
 */
export function failureRecord(err: OpError, call: SocketCall) {
  if (err instanceof DeadlineError) {
    const via = "the playground's deadline";
    return {
      call: "gave-up",
      inferred: false,
      via,
      detail: call,
      errno: err.code,
      message: err.message,
    } as const;
  }
  return { call, inferred: false, errno: err.code, message: err.message } as const;
}
