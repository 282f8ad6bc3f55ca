// MessageReader is where the server decides that a message has ended, on bytes anyone can send. TCP
// may cut a message anywhere (tcp(7): a stream has no boundaries), so under a rule that keeps whole
// messages (newline, eof) the server must decide for any bytes and any cuts exactly as if they had
// arrived in one piece; under the lab's rule (recv) the message is the first piece, by design. Under
// every rule it never throws and never holds more than --max-message-bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LAB_RULE, type MessageEnd, WHOLE_LINES } from "../../src/protocol/message-end.js";
import { MessageReader, type ReadResult } from "../../src/protocol/message-reader.js";

const EOF_ONLY: MessageEnd = { recv: false, newline: false };
const RULES = [LAB_RULE, WHOLE_LINES, EOF_ONLY, { recv: true, newline: true }];

/** What a session does with its bytes: push until the message is decided, then finish() on EOF. */
function readSession(
  pieces: Uint8Array[],
  cap: number,
  rule: MessageEnd = WHOLE_LINES,
): { result: ReadResult; maxBuffered: number } {
  const reader = new MessageReader(false, cap, rule);
  let maxBuffered = 0;
  for (const piece of pieces) {
    const result = reader.push(Buffer.from(piece));
    maxBuffered = Math.max(maxBuffered, reader.buffered);
    // The server reads one message per session: once it is decided, later bytes are not fed.
    if (result.kind !== "more") return { result, maxBuffered };
  }
  return { result: reader.finish("eof"), maxBuffered };
}

/** Cut `bytes` at the given offsets (any numbers; taken modulo the length, sorted, repeats allowed). */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = offsets.map((o) => o % (bytes.length + 1)).sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, point)); // empty pieces too: a zero-length read must be harmless
    start = point;
  }
  return pieces;
}

const comparable = (r: ReadResult) =>
  r.kind === "message" ? { kind: r.kind, message: [...r.message], endedBy: r.endedBy } : r;

// Bytes biased towards newlines, so that many runs end at one (and some have several).
const streamBytes = fc.uint8Array({ maxLength: 300 }).chain((bytes) =>
  fc.array(fc.nat(), { maxLength: 6 }).map((at) => {
    const copy = Uint8Array.from(bytes);
    for (const i of at) if (copy.length > 0) copy[i % copy.length] = 0x0a;
    return copy;
  }),
);

describe("MessageReader: arbitrary bytes cut at arbitrary points", () => {
  it.each([
    ["newline", WHOLE_LINES],
    ["eof", EOF_ONLY],
  ])(
    "--message-end %s decides as it would on one piece, never throws, never buffers more than the cap",
    (_, rule) => {
      fc.assert(
        fc.property(
          streamBytes,
          fc.array(fc.nat(), { maxLength: 40 }),
          fc.integer({ min: 1, max: 256 }),
          (bytes, offsets, cap) => {
            const whole = readSession([bytes], cap, rule);
            const pieces = readSession(cut(bytes, offsets), cap, rule);
            expect(comparable(pieces.result)).toEqual(comparable(whole.result));
            expect(pieces.maxBuffered).toBeLessThanOrEqual(cap);
          },
        ),
        { numRuns: 2000 },
      );
    },
  );

  it("takes exactly the bytes up to the first newline, or all of them at EOF, when they fit", () => {
    fc.assert(
      fc.property(streamBytes, fc.array(fc.nat(), { maxLength: 40 }), (bytes, offsets) => {
        const cap = 1024; // above any input here: only the end rule decides
        const newline = bytes.indexOf(0x0a);
        const expected = newline === -1 ? bytes : bytes.subarray(0, newline + 1);
        const { result } = readSession(cut(bytes, offsets), cap);
        const endedBy = newline === -1 ? "eof" : "newline";
        if (expected.length === 0) expect(result).toEqual({ kind: "more" });
        else expect(comparable(result)).toEqual({ kind: "message", message: [...expected], endedBy });
      }),
      { numRuns: 1000 },
    );
  });

  it("--message-end recv takes the first piece that has bytes as the message, whatever follows", () => {
    fc.assert(
      fc.property(streamBytes, fc.array(fc.nat(), { maxLength: 40 }), (bytes, offsets) => {
        const pieces = cut(bytes, offsets);
        const first = pieces.find((piece) => piece.length > 0);
        const { result } = readSession(pieces, 1024, LAB_RULE);
        if (first === undefined) expect(result).toEqual({ kind: "more" });
        else expect(comparable(result)).toEqual({ kind: "message", message: [...first], endedBy: "recv" });
      }),
      { numRuns: 1000 },
    );
  });

  it("one byte at a time is as safe as anything, under every rule: the cap holds at every step", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom(...RULES),
        (bytes, cap, rule) => {
          const reader = new MessageReader(false, cap, rule);
          for (const byte of bytes) {
            const result = reader.push(Buffer.of(byte));
            expect(reader.buffered).toBeLessThanOrEqual(cap);
            if (result.kind === "too-long") expect(reader.buffered).toBe(0); // dropped, not kept
            if (result.kind !== "more") return;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("on a record transport (seqpacket) each record is a message or too long, and nothing is buffered", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 256 }),
        (records, cap) => {
          const reader = new MessageReader(true, cap, LAB_RULE);
          for (const record of records) {
            const result = reader.push(Buffer.from(record));
            expect(reader.buffered).toBe(0);
            if (record.length > cap) expect(result).toEqual({ kind: "too-long", limit: cap });
            else
              expect(comparable(result)).toEqual({
                kind: "message",
                message: [...record],
                endedBy: "record",
              });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
