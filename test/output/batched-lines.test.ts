// The lines sink writes a busy server's lines in batches, each line encoded straight into a buffer
// (src/output/sink.ts). Run in a child process, so that its stdout is a real pipe and its last batch
// is written at process exit as it would be: every line arrives, whole, in order, however long and
// whatever its characters.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runProgram } from "../helpers/cli.js";

const SINK = fileURLToPath(new URL("../../dist/output/sink.js", import.meta.url));
const FACTS = fileURLToPath(new URL("../../dist/transports/facts.js", import.meta.url));

/** The remote address of the i-th peer: mostly short, some with 2-, 3- and 4-byte UTF-8, one huge. */
function remoteOf(i: number): string {
  if (i === 1234) return "é".repeat(40_000); // 80,000 bytes: longer than a whole batch
  if (i % 7 === 0) return `peer-${i}-ü€😀`;
  return `127.0.0.1:${10_000 + i}`;
}

const PEERS = 3000;

// The child: one accept() event per peer through createSink(…, "lines", …), then process.exit() with
// no finish(), as a second Ctrl-C stops a server: the last batch goes out at exit or not at all.
const CHILD = `
import { createSink } from ${JSON.stringify(SINK)};
import { factsOf } from ${JSON.stringify(FACTS)};
const remoteOf = ${remoteOf.toString()};
const transport = factsOf("tcp4");
const sink = await createSink(transport, "lines", "info");
for (let i = 0; i < ${PEERS}; i++) {
  sink.event({ t: i, transport: "tcp4", family: "inet", type: "stream", side: "server", session: i + 1,
    call: "accept", inferred: true, via: "'connection' event", local: "127.0.0.1:1", remote: remoteOf(i) });
}
process.exit(0);
`;

describe("the lines sink's batches", () => {
  it("write every line whole and in order: multi-byte characters, a line longer than a batch, the last batch at exit", async () => {
    const run = await runProgram(process.execPath, ["--input-type=module", "-e", CHILD]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const expected = Array.from(
      { length: PEERS },
      (_, i) => `Connection from ${remoteOf(i)} has been established.\n`,
    ).join("");
    expect(run.stdout.length).toBe(expected.length);
    expect(run.stdout === expected).toBe(true); // not toBe: a diff of 200 KB helps no one
  });
});
