import { describe, expect, it } from "vitest";
import { MessageReader } from "../../src/protocol/message-reader.js";

const text = (r: ReturnType<MessageReader["push"]>) => (r.kind === "message" ? r.message.toString() : r.kind);

describe("MessageReader on a stream (no boundaries)", () => {
  it("ends a message at the first newline, however the bytes were split", () => {
    const whole = "Hello, Server! This is the client.\n";
    for (let cut = 1; cut < whole.length; cut++) {
      const reader = new MessageReader(false, 1024);
      expect(text(reader.push(Buffer.from(whole.slice(0, cut))))).toBe("more");
      expect(text(reader.push(Buffer.from(whole.slice(cut))))).toBe(whole);
    }
  });

  it("ends an unterminated message when the peer finishes (EOF or a pause)", () => {
    const reader = new MessageReader(false, 1024);
    reader.push(Buffer.from("Hello, "));
    reader.push(Buffer.from("Server!"));
    expect(text(reader.finish())).toBe("Hello, Server!");
    expect(text(reader.finish())).toBe("more"); // nothing left
  });

  it("refuses more than the cap and buffers no more than it", () => {
    const reader = new MessageReader(false, 8);
    expect(text(reader.push(Buffer.from("12345")))).toBe("more");
    expect(reader.buffered).toBe(5);
    expect(text(reader.push(Buffer.from("6789")))).toBe("too-long");
    expect(reader.buffered).toBe(0);
  });
});

describe("MessageReader on dgram/seqpacket (boundaries kept)", () => {
  it("takes one record as one message, newline or not", () => {
    const reader = new MessageReader(true, 1024);
    expect(text(reader.push(Buffer.from("no newline")))).toBe("no newline");
    expect(text(reader.push(Buffer.from("a\nb")))).toBe("a\nb");
  });

  it("refuses a record over the cap", () => {
    expect(text(new MessageReader(true, 3).push(Buffer.from("four")))).toBe("too-long");
  });
});
