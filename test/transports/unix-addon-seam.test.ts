// node-unix-socket is reached through one folder, src/transports/unix-addon/, so that replacing it
// (issue 18: the project's own addon) changes that folder and nothing else. This fails when any
// other source file loads the package itself: an import, a require(), a require.resolve().
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SEAM = "src/transports/unix-addon/";
const LOADS = /(?:\bfrom|\bimport\s*\(|\brequire\s*\(|\.resolve\s*\(|\)\s*\()\s*["']node-unix-socket["']/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(?:[cm]?ts|[cm]?js)$/.test(entry.name) ? [relative(ROOT, path)] : [];
  });
}

it(`only ${SEAM} loads node-unix-socket`, () => {
  const files = ["src", "scripts", "test"].flatMap((dir) => sources(join(ROOT, dir)));
  expect(files).toContain(`${SEAM}library.ts`);
  const loaders = files.filter((file) => LOADS.test(readFileSync(join(ROOT, file), "utf8")));
  expect(loaders.filter((file) => !file.startsWith(SEAM))).toEqual([]);
  // The seam itself does load it: the pattern above still finds what it looks for.
  expect(loaders).toContain(`${SEAM}library.ts`);
});
