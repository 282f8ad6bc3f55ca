// node-unix-socket ships its native binary as one optional package per platform. Only the Linux x64
// ones can be fetched from this registry, so a lockfile rewritten by `npm install` here drops the
// others, and then `npm ci` refuses the lockfile ("Missing: node-unix-socket-darwin-arm64@ from lock
// file"). Each entry below is optional and names its os/cpu, so npm skips it on other machines.
//
//   npx tsx scripts/check-lockfile.ts          fail (exit 1) if an entry is missing or wrong
//   npx tsx scripts/check-lockfile.ts --fix    put the missing entries back
import { readFileSync, writeFileSync } from "node:fs";

interface LockEntry {
  version?: string;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { packages: Record<string, LockEntry> };
const parent = lock.packages?.["node_modules/node-unix-socket"];
if (!parent) {
  console.error("check-lockfile: package-lock.json has no node_modules/node-unix-socket entry");
  process.exit(1);
}

// platform suffix -> [os, cpu, libc]
const platforms: Record<string, [os: string, cpu: string, libc?: string]> = {
  "darwin-arm64": ["darwin", "arm64"],
  "darwin-x64": ["darwin", "x64"],
  "linux-arm-gnueabihf": ["linux", "arm", "glibc"],
  "linux-arm64-gnu": ["linux", "arm64", "glibc"],
  "linux-arm64-musl": ["linux", "arm64", "musl"],
  "linux-x64-gnu": ["linux", "x64", "glibc"],
  "linux-x64-musl": ["linux", "x64", "musl"],
};

const wanted = Object.keys(parent.optionalDependencies ?? {});
const problems: string[] = [];
for (const name of wanted) {
  const key = `node_modules/${name}`;
  const platform = platforms[name.replace("node-unix-socket-", "")];
  if (!platform) {
    problems.push(`${name}: unknown platform; add it to scripts/check-lockfile.ts`);
    continue;
  }
  const [os, cpu, libc] = platform;
  const entry = lock.packages[key];
  if (entry?.optional === true && entry.os?.includes(os) && entry.cpu?.includes(cpu)) continue;
  problems.push(`${key} is missing or not marked optional with os/cpu`);
  lock.packages[key] = {
    version: parent.version,
    cpu: [cpu],
    ...(libc ? { libc: [libc] } : {}),
    license: "MIT",
    optional: true,
    os: [os],
    engines: { node: ">= 10" },
  };
}

if (problems.length === 0) process.exit(0);
if (process.argv.includes("--fix")) {
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
  );
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.error(`check-lockfile: restored ${problems.length} entr${problems.length === 1 ? "y" : "ies"}`);
  process.exit(0);
}
console.error(
  `check-lockfile: package-lock.json lost node-unix-socket's other platforms, so \`npm ci\` would fail on a fresh clone:\n  ${problems.join("\n  ")}\nrun: npx tsx scripts/check-lockfile.ts --fix`,
);
process.exit(1);
