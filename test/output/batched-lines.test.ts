// The lines sink writes a busy server's lines in batches, joined into one string as they come
// (src/output/sink.ts). Run in a child process, so that its stdout is a real file or pipe: every
// line arrives, whole, in order, however long and whatever its characters.
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { runProgram } from "../helpers/cli.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const SINK = fileURLToPath(new URL("../../dist/output/sink.js", import.meta.url));
const FACTS = fileURLToPath(new URL("../../dist/transports/facts.js", import.meta.url));

/** The remote address of the i-th peer: mostly short, some with 2-, 3- and 4-byte UTF-8, one huge. */
function remoteOf(i: number): string {
  if (i === 1234) return "é".repeat(70_000); // longer than a whole batch (64 Ki characters)
  if (i % 7 === 0) return `peer-${i}-ü€😀`;
  return `127.0.0.1:${10_000 + i}`;
}

const PEERS = 3000;

/** The child: one accept() event per peer through createSink(…, "lines", …), and no finish(). */
function child(ending: string): string {
  return `
import { createSink } from ${JSON.stringify(SINK)};
import { factsOf } from ${JSON.stringify(FACTS)};
const remoteOf = ${remoteOf.toString()};
const sink = await createSink(factsOf("tcp4"), "lines", "info");
for (let i = 0; i < ${PEERS}; i++) {
  sink.event({ t: i, transport: "tcp4", family: "inet", type: "stream", side: "server", session: i + 1,
    call: "accept", inferred: true, via: "'connection' event", local: "127.0.0.1:1", remote: remoteOf(i) });
}
${ending}
`;
}

const EXPECTED = Array.from(
  { length: PEERS },
  (_, i) => `Connection from ${remoteOf(i)} has been established.\n`,
).join("");

afterEach(removeTempDirs);

describe("the lines sink's batches", () => {
  it("to a pipe: every line whole and in order, multi-byte characters and a line longer than a batch", async () => {
    // The process ends by itself: its last batch goes out on the sink's timer.
    const run = await runProgram(process.execPath, ["--input-type=module", "-e", child("")]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(EXPECTED.length);
    expect(run.stdout === EXPECTED).toBe(true); // not toBe: a diff of 200 KB helps no one
  });

  it("to a file, at process.exit() (a second Ctrl-C stops a server so): the last batch is written too", () => {
    const path = join(tempDir(), "stdout");
    const fd = openSync(path, "w");
    try {
      const run = spawnSync(process.execPath, ["--input-type=module", "-e", child("process.exit(0);")], {
        stdio: ["ignore", fd, "pipe"],
        timeout: 20_000,
      });
      expect(run.stderr.toString()).toBe("");
      expect(run.status).toBe(0);
    } finally {
      closeSync(fd);
    }
    const written = readFileSync(path, "utf8");
    expect(written.length).toBe(EXPECTED.length);
    expect(written === EXPECTED).toBe(true);
  });
});
