// Where one message ends. A SOCK_DGRAM or SOCK_SEQPACKET socket keeps boundaries, so a message is
// one record. A stream is a byte sequence with no boundaries (tcp(7), unix(7)): the message may
// arrive in pieces, so it ends at the first newline (what nc and socat send), at the peer's EOF
// (shutdown(SHUT_WR), as our client and `nc -N` do), or when the peer falls quiet after sending
// (a classic client that sends with no terminator and waits for the ack).
export const STREAM_SETTLE_MS = 20;

export type ReadResult =
  | { kind: "more" }
  | { kind: "message"; message: Buffer }
  | { kind: "too-long"; limit: number };

export class MessageReader {
  private pieces: Buffer[] = [];
  private length = 0;

  constructor(
    private readonly preservesBoundaries: boolean,
    private readonly maxBytes: number,
  ) {}

  /** Feed what one recv() returned. */
  push(chunk: Buffer): ReadResult {
    if (this.preservesBoundaries) {
      return chunk.length > this.maxBytes ? this.tooLong() : { kind: "message", message: chunk };
    }
    const newline = chunk.indexOf(0x0a);
    const upTo = newline === -1 ? chunk.length : newline + 1;
    if (this.length + upTo > this.maxBytes) return this.tooLong();
    this.pieces.push(chunk.subarray(0, upTo));
    this.length += upTo;
    return newline === -1 ? { kind: "more" } : this.take();
  }

  /** The peer shut down its side, or fell quiet: what has arrived is the message, if any. */
  finish(): ReadResult {
    return this.length === 0 ? { kind: "more" } : this.take();
  }

  get buffered(): number {
    return this.length;
  }

  private take(): ReadResult {
    // Most messages arrive in one piece: that piece is the message, with nothing to copy.
    const message =
      this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.length);
    this.pieces = [];
    this.length = 0;
    return { kind: "message", message };
  }

  private tooLong(): ReadResult {
    this.pieces = [];
    this.length = 0;
    return { kind: "too-long", limit: this.maxBytes };
  }
}
