// Where a message on a stream ends. A stream keeps no boundaries (tcp(7), unix(7)): several send()s
// may arrive as one recv(), one send() as several. So a server reading a message off a stream needs
// a rule, and every rule gets something wrong:
//
//   rule      the message ends                      what it gets wrong
//   recv      with the first recv() that has data   a message that arrives in two pieces is acked
//             (the lab's server.py: recv(1024))     after the first: the rest is no part of it
//   newline   at the first "\n" (nc, socat lines)   a client that sends none waits for EOF or the
//                                                   message timeout
//   eof       at the peer's shutdown(SHUT_WR)        a client that sends and waits (the lab's) waits
//             (our client, nc -N)                    for the message timeout
//   pause:MS  when the peer falls quiet for MS ms   every session that sends and waits takes MS
//                                                   longer; a sender pausing mid-message gets a prefix
//
// Rules combine: the message ends at whichever comes first. EOF always ends a message that has begun,
// whatever the rule, since no more bytes can come. Records (SOCK_DGRAM, SOCK_SEQPACKET) need no rule:
// one record is one message.
import { didYouMean } from "../commands/did-you-mean.js";
import { UsageError } from "../errors.js";

export interface MessageEnd {
  /** The first recv() that returns data is the whole message. */
  readonly recv: boolean;
  /** The message runs up to and including the first newline. */
  readonly newline: boolean;
  /** Milliseconds of quiet after the last byte that end the message; undefined: no pause does. */
  readonly pauseMs?: number;
}

/** What ended a message: one of the rules, EOF, or (on SOCK_DGRAM and SOCK_SEQPACKET) the record. */
export type EndedBy = "recv" | "newline" | "eof" | "pause" | "record";

/** The lab's rule, the default: a client that sends without a terminator and waits is served at once. */
export const LAB_RULE: MessageEnd = { recv: true, newline: false };

/** Whole messages however a stream cuts them: a newline, or EOF (the fault-proxy soak's rule). */
export const WHOLE_LINES: MessageEnd = { recv: false, newline: true };

export const DEFAULT_PAUSE_MS = 20;
/** Node's timers hold at most 2^31 - 1 ms. */
const MAX_PAUSE_MS = 2 ** 31 - 1;

const HOW_TO = "give recv, newline, eof or pause:MS, or several joined by commas (e.g. newline,pause:20)";

/** `--message-end recv`, `newline`, `eof`, `pause`, `pause:50`, or a comma-separated mix of them. */
export function parseMessageEnd(text: string): MessageEnd {
  let recv = false;
  let newline = false;
  let pauseMs: number | undefined;
  const parts = text.split(",").map((part) => part.trim());
  for (const part of parts) {
    const pause = /^pause(?::(.*))?$/.exec(part);
    if (part === "recv") recv = true;
    else if (part === "newline") newline = true;
    else if (part === "eof") {
      // EOF ends every message anyway; naming it alone says that nothing else does.
    } else if (pause && pauseMs !== undefined) {
      throw new UsageError(`--message-end ${text}: one pause at most — ${HOW_TO}`);
    } else if (pause) pauseMs = pauseOf(text, pause[1]);
    else {
      const near = didYouMean(part, ["recv", "newline", "eof", "pause"]);
      throw new UsageError(`--message-end ${text}: '${part}' is not a rule — ${HOW_TO}${near}`);
    }
  }
  return pauseMs === undefined ? { recv, newline } : { recv, newline, pauseMs };
}

function pauseOf(text: string, ms: string | undefined): number {
  if (ms === undefined) return DEFAULT_PAUSE_MS;
  const value = Number(ms);
  if (!/^\d+$/.test(ms) || value < 1 || value > MAX_PAUSE_MS) {
    throw new UsageError(
      `--message-end ${text}: the pause is whole milliseconds from 1 to ${MAX_PAUSE_MS}, e.g. pause:20`,
    );
  }
  return value;
}

/** The rule as the flag would say it: "recv", "newline,pause:20", "eof". */
export function formatMessageEnd(rule: MessageEnd): string {
  const parts: string[] = [];
  if (rule.recv) parts.push("recv");
  if (rule.newline) parts.push("newline");
  if (rule.pauseMs !== undefined) parts.push(`pause:${rule.pauseMs}`);
  return parts.length === 0 ? "eof" : parts.join(",");
}

/** Whether whole messages are promised however the stream cuts them (no rule that can take a prefix). */
export function keepsWholeMessages(rule: MessageEnd): boolean {
  return !rule.recv && rule.pauseMs === undefined;
}
