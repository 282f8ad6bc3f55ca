import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Experiment } from "./experiment.js";
import { dial, listen, outcomeOf } from "./sockets.js";

export const abstractName: Experiment = {
  name: "abstract-name",
  summary: "an @name (leading NUL) makes no file and is gone when its socket closes",
  claim: {
    page: "unix(7)",
    section: "DESCRIPTION (Abstract sockets)",
    text: "Abstract sockets automatically disappear when all open references to the socket are closed.",
  },
  steps: [
    "listen on an abstract name, @ plus a unique word (a NUL byte and the word to the kernel)",
    "look for a file of that name, and for the socket in /proc/net/unix",
    "close the listener, then connect() to the name",
  ],
  expected: {
    "unix-stream": "no file; ECONNREFUSED after close",
    "unix-seqpacket": "no file; ECONNREFUSED after close",
  },
  notApplicable:
    "TCP and UDP have no names. unix-dgram takes abstract names too, but has no listen() and connect() " +
    "to show the name gone: see its transport tests, where a python3 peer meets one.",
  explain:
    "An abstract name lives in the kernel only: no file is made, and when the last socket bound to it " +
    "closes the name is free again, so connect() is refused — there is no file to be stale. Node (unix-stream) " +
    "passes the whole 108-byte sun_path, so the name the kernel holds is the word padded with NULs (the @s in " +
    "/proc/net/unix), and a peer that gives the exact length (Python, socat) would not meet it; the " +
    "playground's addon (unix-seqpacket) passes the exact length, as those peers do.",
  async run(name, context) {
    const word = basename(context.dir);
    const address = `@${word}`;
    const listener = await listen(name, context, undefined, address);
    // Were the name a path, the file would be "@word" in the working directory (or in the run's own dir).
    const files = existsSync(address) || readdirSync(context.dir).length > 0;
    const entry = procNetUnix(word);
    await listener.close();
    const after = await outcomeOf(dial(name, context, address));
    const padded = entry?.split(" ").at(-1) ?? "";
    return {
      outcome: `${files ? "a file" : "no file"}; ${after} after close`,
      evidence: [
        entry ? `/proc/net/unix: ${entry}` : `/proc/net/unix has no line for ${address}`,
        padded.length > address.length
          ? `the name is ${padded.length} bytes: a NUL, "${word}", and ${padded.length - address.length} NULs of padding (each NUL shown as @)`
          : `the name is ${padded.length} bytes: a NUL and "${word}", its exact length (the NUL shown as @)`,
      ],
    };
  },
};

/** The /proc/net/unix line of the abstract name `word` ("@word" and, from node:net, NUL padding). */
function procNetUnix(word: string): string | undefined {
  return readFileSync("/proc/net/unix", "utf8")
    .split("\n")
    .find((line) => line.includes(` @${word}`));
}
