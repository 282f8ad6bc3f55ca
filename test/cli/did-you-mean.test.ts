// The guess behind "did you mean": near enough to be a typo, or the start of a name; otherwise none.
import { describe, expect, it } from "vitest";
import { closest, didYouMean } from "../../src/commands/did-you-mean.js";

const FLAGS = ["port", "path", "host", "max-peers", "max-connections", "idle-timeout", "duration"];

describe("closest", () => {
  it.each([
    ["prot", ["port"]], // two letters swapped: one edit
    ["pot", ["port"]],
    ["max-peer", ["max-peers"]],
    ["idle", ["idle-timeout"]], // the start of a name
    ["durration", ["duration"]],
    ["max", ["max-peers", "max-connections"]], // both start so: both offered
  ])("%s -> %j", (word, expected) => {
    expect(closest(word, FLAGS)).toEqual(expected);
  });

  it.each(["zzzz", "timeout-idle", "x"])("%s: nothing near, no guess", (word) => {
    expect(closest(word, FLAGS)).toEqual([]);
  });
});

it("didYouMean ends a line, or adds nothing", () => {
  expect(didYouMean("prot", FLAGS, (f) => `--${f}`)).toBe(" — did you mean --port?");
  expect(didYouMean("zzzz", FLAGS)).toBe("");
});
