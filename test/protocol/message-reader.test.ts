import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import {
  formatMessageEnd,
  LAB_RULE,
  type MessageEnd,
  parseMessageEnd,
  WHOLE_LINES,
} from "../../src/protocol/message-end.js";
import { MessageReader } from "../../src/protocol/message-reader.js";

const text = (r: ReturnType<MessageReader["push"]>) =>
  r.kind === "message" ? `${r.message.toString()} [${r.endedBy}]` : r.kind;
const EOF_ONLY: MessageEnd = { recv: false, newline: false };

describe("MessageReader on a stream (no boundaries), by --message-end rule", () => {
  it("recv (the lab's rule): the first read is the message, newline or not", () => {
    const reader = new MessageReader(false, 1024, LAB_RULE);
    expect(text(reader.push(Buffer.from("Hello, ")))).toBe("Hello,  [recv]");
    // A message that arrived in two pieces: the rest would start a new message (the server reads no more).
    expect(text(reader.push(Buffer.from("Server!")))).toBe("Server! [recv]");
  });

  it("newline: ends a message at the first newline, however the bytes were split", () => {
    const whole = "Hello, Server! This is the client.\n";
    for (let cut = 1; cut < whole.length; cut++) {
      const reader = new MessageReader(false, 1024, WHOLE_LINES);
      expect(text(reader.push(Buffer.from(whole.slice(0, cut))))).toBe("more");
      expect(text(reader.push(Buffer.from(whole.slice(cut))))).toBe(`${whole} [newline]`);
    }
  });

  it("eof and pause: an unterminated message is what arrived when the peer finished or fell quiet", () => {
    const reader = new MessageReader(false, 1024, EOF_ONLY);
    expect(text(reader.push(Buffer.from("Hello,\n ")))).toBe("more"); // no rule ends it at a newline
    reader.push(Buffer.from("Server!"));
    expect(text(reader.finish("eof"))).toBe("Hello,\n Server! [eof]");
    expect(text(reader.finish("eof"))).toBe("more"); // nothing left
    reader.push(Buffer.from("quiet"));
    expect(text(reader.finish("pause"))).toBe("quiet [pause]");
  });

  it("refuses more than the cap and buffers no more than it", () => {
    const reader = new MessageReader(false, 8, WHOLE_LINES);
    expect(text(reader.push(Buffer.from("12345")))).toBe("more");
    expect(reader.buffered).toBe(5);
    expect(text(reader.push(Buffer.from("6789")))).toBe("too-long");
    expect(reader.buffered).toBe(0);
    expect(text(new MessageReader(false, 3, LAB_RULE).push(Buffer.from("four")))).toBe("too-long");
  });
});

describe("MessageReader on dgram/seqpacket (boundaries kept)", () => {
  it("takes one record as one message, newline or not, whatever the rule", () => {
    const reader = new MessageReader(true, 1024, WHOLE_LINES);
    expect(text(reader.push(Buffer.from("no newline")))).toBe("no newline [record]");
    expect(text(reader.push(Buffer.from("a\nb")))).toBe("a\nb [record]");
  });

  it("refuses a record over the cap", () => {
    expect(text(new MessageReader(true, 3, LAB_RULE).push(Buffer.from("four")))).toBe("too-long");
  });
});

describe("--message-end", () => {
  it.each([
    ["recv", { recv: true, newline: false }, "recv"],
    ["newline", { recv: false, newline: true }, "newline"],
    ["eof", { recv: false, newline: false }, "eof"],
    ["pause", { recv: false, newline: false, pauseMs: 20 }, "pause:20"],
    ["newline, pause:500", { recv: false, newline: true, pauseMs: 500 }, "newline,pause:500"],
    ["eof,newline", { recv: false, newline: true }, "newline"],
  ])("%s", (flag, rule, shown) => {
    expect(parseMessageEnd(flag)).toEqual(rule);
    expect(formatMessageEnd(parseMessageEnd(flag))).toBe(shown);
  });

  it.each([
    ["lines", /'lines' is not a rule — give recv, newline, eof or pause:MS/],
    ["pause:0", /the pause is whole milliseconds from 1 to/],
    ["pause:1.5", /the pause is whole milliseconds/],
    ["pause:abc", /the pause is whole milliseconds/],
    ["recv,", /'' is not a rule/],
  ])("refuses %s with a usage error that says what to give", (flag, message) => {
    expect(() => parseMessageEnd(flag)).toThrow(UsageError);
    expect(() => parseMessageEnd(flag)).toThrow(message);
  });
});
