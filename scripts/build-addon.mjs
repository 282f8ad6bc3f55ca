// Builds native/ (the playground's AF_UNIX addon) at `npm ci`/`npm install`, offline: node-gyp, which
// npm bundles, against the headers of the Node that runs this (its install prefix's include/node), so
// nothing is downloaded. Plain JavaScript, because the install script runs before devDependencies
// such as tsx can be relied on. Whatever is missing is said in one line, with what to install.
//
//   node scripts/build-addon.mjs [--debug] [--cflags=-fsanitize=address]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const native = join(root, "native");

function fail(line) {
  process.stderr.write(`build-addon: ${line}\n`);
  process.exit(1);
}

if (process.platform !== "linux")
  fail(`the addon is Linux-only (AF_UNIX SOCK_SEQPACKET); this is ${process.platform}`);

// node is <prefix>/bin/node; its headers are <prefix>/include/node.
const prefix = dirname(dirname(process.execPath));
if (!existsSync(join(prefix, "include", "node", "node_api.h"))) {
  fail(
    `no Node headers at ${join(prefix, "include", "node")} for ${process.execPath}: install the Node ` +
      "that ships them (the nodejs.org tarball, nvm, or Debian/Ubuntu: apt-get install libnode-dev)",
  );
}

const onPath = (program) => spawnSync("sh", ["-c", `command -v "$0"`, program]).status === 0;
// The C file is compiled with $CC (make's default: cc), but gyp's Makefile links with $CXX (make's
// default: g++), so a machine with only a C compiler fails at the very end without this check.
const compilers = [process.env.CC || "cc", process.env.CXX || "g++"];
const missing = [...compilers, "make", "python3"].filter((program) => !onPath(program));
if (missing.length > 0) {
  fail(`${missing.join(", ")} not found, needed to build the addon: apt-get install build-essential python3`);
}

const nodeGyp = nodeGypScript();
if (!nodeGyp) fail("node-gyp not found (it comes with npm): reinstall npm, or npm install -g node-gyp");

const extra = process.argv.slice(2);
const cflags = extra.find((arg) => arg.startsWith("--cflags="))?.slice("--cflags=".length);
const args = [nodeGyp, "rebuild", `--nodedir=${prefix}`, ...(extra.includes("--debug") ? ["--debug"] : [])];
const env = { ...process.env, ...(cflags ? { CFLAGS: cflags, LDFLAGS: cflags } : {}) };
const build = spawnSync(process.execPath, args, { cwd: native, env, encoding: "utf8" });
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  fail(`node-gyp rebuild failed in ${native} (exit ${build.status ?? build.signal}): see above`);
}
// The compiler's warnings, if any, are worth seeing; node-gyp's own chatter is not.
const warnings = build.stderr.split("\n").filter((line) => line && !line.startsWith("gyp info"));
if (warnings.length > 0) process.stderr.write(`${warnings.join("\n")}\n`);

/** node-gyp's bin: what npm says in a lifecycle script, else the one beside this Node's npm. */
function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(prefix, "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  return candidates.find((path) => path && existsSync(path));
}
