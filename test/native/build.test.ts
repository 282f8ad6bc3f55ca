// scripts/build-addon.mjs, which `npm ci` runs: what is missing is said in one line, with what to
// install, before anything is built or removed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { ADDON_FILE } from "../../src/transports/unix-addon/native.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const BUILD = fileURLToPath(new URL("../../scripts/build-addon.mjs", import.meta.url));

afterEach(removeTempDirs);

/** build-addon.mjs run with only these programs on PATH (and sh, whose `command -v` it asks). */
function buildWith(programs: string[]) {
  const bin = join(tempDir(), "bin");
  mkdirSync(bin);
  for (const program of ["sh", ...programs]) symlinkSync(`/bin/${program}`, join(bin, program));
  return spawnSync(process.execPath, [BUILD], { encoding: "utf8", env: { PATH: bin } });
}

it("without cc, g++, make and python3 on PATH: one line naming them and the package, exit 1, the built addon untouched", () => {
  const run = buildWith([]);
  expect(run.stderr).toBe(
    "build-addon: cc, g++, make, python3 not found, needed to build the addon: apt-get install build-essential python3\n",
  );
  expect(run.status).toBe(1);
  expect(existsSync(ADDON_FILE)).toBe(true);
});

it("with a C compiler but no g++ (gyp links with it): names g++ alone", () => {
  const run = buildWith(["cc", "make", "python3"]);
  expect(run.stderr).toBe(
    "build-addon: g++ not found, needed to build the addon: apt-get install build-essential python3\n",
  );
  expect(run.status).toBe(1);
  expect(existsSync(ADDON_FILE)).toBe(true);
});
