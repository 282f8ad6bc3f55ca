// The report reaches its path whole or not at all: it is written under a temp name beside it and
// renamed into place, and the temp file belongs to leftovers.ts until then, so Ctrl-C (or a full disk)
// leaves neither a half-written report nor a stray temp file.
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { atExit } from "../leftovers.js";

export function writeWhole(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const removeTemp = atExit(() => rmSync(temp, { force: true }));
  try {
    writeFileSync(temp, text, { mode: 0o644 });
    renameSync(temp, path);
  } finally {
    removeTemp(); // after the rename there is nothing left to remove
  }
}
