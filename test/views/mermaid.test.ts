// The Mermaid view must be a sequence diagram that Mermaid itself accepts, as GitHub renders it:
// checked with Mermaid's own parser, on real runs of every transport.
import mermaid from "mermaid";
import { describe, expect, it } from "vitest";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import { playground } from "../helpers/cli.js";

describe.each(TRANSPORT_NAMES)("%s --format mermaid", (name) => {
  it("parses as a sequenceDiagram", async () => {
    const { code, stdout } = await playground(["--transport", name, "--format", "mermaid"]);
    expect(code).toBe(0);
    expect(stdout.startsWith("sequenceDiagram\n")).toBe(true);
    await expect(mermaid.parse(stdout)).resolves.toMatchObject({ diagramType: "sequence" });
  });
});

it("the parser really rejects what is not a sequence diagram", async () => {
  // So that the checks above can fail: a statement cut short is a parse error.
  await expect(mermaid.parse("sequenceDiagram\n    C->>: send(3 B)\n")).rejects.toThrow(/Parse error/);
});

it("escapes what Mermaid would read as syntax in the data", async () => {
  const message = 'semi;colon #hash "quote" <b>tag</b> arrow->>S';
  const { code, stdout } = await playground([
    "--transport",
    "udp4",
    "--format",
    "mermaid",
    "--message",
    message,
  ]);
  expect(code).toBe(0);
  expect(stdout).toContain("#59;");
  await expect(mermaid.parse(stdout)).resolves.toMatchObject({ diagramType: "sequence" });
});
