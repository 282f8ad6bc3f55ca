// Where one message ends, as bytes arrive. A SOCK_DGRAM or SOCK_SEQPACKET socket keeps boundaries, so
// a message is one record. A stream has none, so the message ends by a rule (message-end.ts): the
// first recv(), a newline, a pause (the session's clock calls finish("pause")), or the peer's EOF.
import type { EndedBy, MessageEnd } from "./message-end.js";

export type ReadResult =
  | { kind: "more" }
  | { kind: "message"; message: Buffer; endedBy: EndedBy }
  | { kind: "too-long"; limit: number };

/** The one "more" every reader returns: nothing to allocate while a message is still coming. */
export const MORE: ReadResult = Object.freeze({ kind: "more" });

export class MessageReader {
  /** What has come of the message so far. Most messages come in one piece, kept here alone. */
  private first: Buffer | undefined;
  /** Only once a second piece comes: all of them, in order. */
  private pieces: Buffer[] | undefined;
  private length = 0;

  constructor(
    private readonly preservesBoundaries: boolean,
    private readonly maxBytes: number,
    private readonly rule: MessageEnd,
  ) {}

  /** Feed what one recv() returned. */
  push(chunk: Buffer): ReadResult {
    if (this.preservesBoundaries) {
      return chunk.length > this.maxBytes
        ? this.tooLong()
        : { kind: "message", message: chunk, endedBy: "record" };
    }
    if (chunk.length === 0) return MORE; // a stream's read of 0 is EOF, which comes as finish()
    const newline = this.rule.newline ? chunk.indexOf(0x0a) : -1;
    const upTo = newline === -1 ? chunk.length : newline + 1;
    if (this.length + upTo > this.maxBytes) return this.tooLong();
    this.keep(upTo === chunk.length ? chunk : chunk.subarray(0, upTo));
    this.length += upTo;
    if (newline !== -1) return this.take("newline");
    return this.rule.recv ? this.take("recv") : MORE;
  }

  /** The peer shut down its side, or fell quiet: what has arrived is the message, if any. */
  finish(why: "eof" | "pause"): ReadResult {
    return this.length === 0 ? MORE : this.take(why);
  }

  get buffered(): number {
    return this.length;
  }

  private keep(piece: Buffer): void {
    if (this.first === undefined) this.first = piece;
    else if (this.pieces === undefined) this.pieces = [this.first, piece];
    else this.pieces.push(piece);
  }

  private take(endedBy: EndedBy): ReadResult {
    // Most messages arrive in one piece: that piece is the message, with nothing to copy.
    const message = this.pieces ? Buffer.concat(this.pieces, this.length) : (this.first as Buffer);
    this.clear();
    return { kind: "message", message, endedBy };
  }

  private tooLong(): ReadResult {
    this.clear();
    return { kind: "too-long", limit: this.maxBytes };
  }

  private clear(): void {
    this.first = this.pieces = undefined;
    this.length = 0;
  }
}
