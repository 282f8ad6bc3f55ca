// What the commands make of the flags they share: the view, and the message-end rule.
import { UsageError } from "../errors.js";
import type { Format } from "../output/levels.js";
import { LAB_RULE, type MessageEnd, parseMessageEnd } from "../protocol/message-end.js";
import { familyTypeOf } from "../strategy.js";
import type { TransportName } from "../transports/transport.js";

/** What decides a command's view: the flags run, server and client share (flags/shared.ts). */
export interface OutputFlags {
  json: boolean;
  format?: Format;
}

/** --json is short for --format json; otherwise the command's own default view. */
export function formatOf(flags: OutputFlags, fallback: Format): Format {
  return flags.json ? "json" : (flags.format ?? fallback);
}

/**
 * --message-end for a server on `name`: the lab's rule when not given. Only a stream needs a rule; on
 * the other types a record is a message, and a rule given for them is refused rather than ignored.
 */
export function messageEndOf(text: string | undefined, name: TransportName): MessageEnd {
  if (text === undefined) return LAB_RULE;
  const rule = parseMessageEnd(text);
  const { type } = familyTypeOf(name);
  if (type !== "stream") {
    throw new UsageError(
      `--message-end is for stream sockets: on ${name} (SOCK_${type.toUpperCase()}) each record is ` +
        "one message — leave it out, or use tcp4, tcp6 or unix-stream",
    );
  }
  return rule;
}
