// The library alone, in a child Node: what the experiments run under strace to hear what the kernel
// told it, since the library's own errors say "No such file or directory" whatever happened.
import { createRequire } from "node:module";

/**
 * A script for `node -e`: one SeqpacketSocket connect()s to argv[1], again and again on success,
 * argv[2] times in all, and prints what the library threw, if it threw.
 */
export function seqpacketConnectsScript(): string {
  const library = createRequire(import.meta.url).resolve("node-unix-socket");
  return `
const { SeqpacketSocket } = require(${JSON.stringify(library)});
const [path, attempts] = [process.argv[1], Number(process.argv[2])];
const socket = new SeqpacketSocket();
socket.on("error", () => {});
let left = attempts;
const next = () => {
  if (left-- === 0) process.exit(0);
  try { socket.connect(path, next); } catch (e) { console.log(e.message); process.exit(0); }
};
next();
`;
}
