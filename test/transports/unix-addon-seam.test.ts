// The playground's native addon (native/unix_socket.c, issue 18) is reached through one folder,
// src/transports/unix-addon/, so that what it can and cannot do is said in one place. This fails when
// any other source file loads the .node file itself (a require() of it, or a path to it), or when
// node-unix-socket, which it replaced, comes back anywhere.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SEAM = "src/transports/unix-addon/";
const LOADS_ADDON = /unix_socket\.node|build\/Release/;
const OLD_LIBRARY = /["']node-unix-socket["']/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(?:[cm]?ts|[cm]?js)$/.test(entry.name) ? [relative(ROOT, path)] : [];
  });
}

it(`only ${SEAM} loads the addon, and nothing loads node-unix-socket`, () => {
  const files = ["src", "scripts", "test"].flatMap((dir) => sources(join(ROOT, dir)));
  const text = (file: string) => readFileSync(join(ROOT, file), "utf8");
  const loaders = files.filter((file) => LOADS_ADDON.test(text(file)));
  // The build script makes the file; the seam loads it; nothing else names it.
  expect(loaders.filter((file) => !file.startsWith(SEAM) && file !== "scripts/build-addon.mjs")).toEqual([]);
  // The seam itself does load it: the pattern above still finds what it looks for.
  expect(loaders).toContain(`${SEAM}native.ts`);
  expect(
    files.filter(
      (file) => OLD_LIBRARY.test(text(file)) && file !== relative(ROOT, fileURLToPath(import.meta.url)),
    ),
  ).toEqual([]);
  const pkg = JSON.parse(text("package.json")) as { dependencies: Record<string, string> };
  expect(Object.keys(pkg.dependencies)).not.toContain("node-unix-socket");
});
