// The addon alone, in a child Node: what the experiments run under strace, so that the kernel's own
// answer (strace's) and the addon's (its error's code) can be shown side by side.
import { ADDON_FILE } from "./native.js";

/**
 * A script for `node -e`: one SOCK_SEQPACKET socket connect()s to argv[1], again and again on success,
 * argv[2] times in all, and prints the code of what the addon threw, if it threw.
 */
export function seqpacketConnectsScript(): string {
  return `
const { UnixSocket, constants } = require(${JSON.stringify(ADDON_FILE)});
const [path, attempts] = [Buffer.from(process.argv[1]), Number(process.argv[2])];
const socket = new UnixSocket(constants.SOCK_SEQPACKET);
for (let left = attempts; left > 0; left--) {
  try { socket.connect(path); } catch (e) { console.log(e.code); break; }
}
socket.close();
`;
}
