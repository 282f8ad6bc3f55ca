// preview() is what every view shows of a payload: text as it is, control characters escaped.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { preview } from "../../src/trace/events.js";

const of = (text: string) => preview(Buffer.from(text, "utf8"));

describe("preview", () => {
  it("shows printable text as it is, without its trailing newline", () => {
    expect(of("Message received!")).toBe("Message received!");
    expect(of("hello\n")).toBe("hello");
    expect(of("hello\r\n")).toBe("hello");
    expect(of("")).toBe("");
  });

  it("escapes control characters and keeps non-ASCII text", () => {
    expect(of("a\tb\nc\n")).toBe("a\\tb\\nc");
    expect(of("\x00\x7f")).toBe("\\x00\\x7f");
    expect(of("café ✓")).toBe("café ✓");
  });

  it("cuts long payloads at 120 characters with an ellipsis", () => {
    expect(of("x".repeat(120))).toBe("x".repeat(120));
    expect(of(`${"x".repeat(120)}\n`)).toBe("x".repeat(120));
    expect(of("x".repeat(121))).toBe(`${"x".repeat(119)}…`);
  });

  it("never shows a raw control character, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const shown = preview(Buffer.from(bytes));
        const control = [...shown].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
        expect(control).toEqual([]);
        expect([...shown].length).toBeLessThanOrEqual(120);
      }),
    );
  });
});
