// The one door to the playground's own native addon (native/unix_socket.c), which makes the AF_UNIX
// SOCK_DGRAM and SOCK_SEQPACKET sockets that node:net and node:dgram cannot. Nothing outside this
// folder loads the .node file (test/transports/unix-addon-seam.test.ts).
//
// The addon is thin on purpose, and the logic lives here, in TypeScript:
//
//   native.ts      loads the .node file on first use (--help does not pay for it) and types it
//   names.ts       addresses as the exact sun_path bytes: a path, or an @name at its exact length
//   errors.ts      the addon's Node-style errors (the kernel's errno) as OpErrors
//   watch.ts       what a socket is polled for (uv_poll, level-triggered)
//   dgram.ts       SOCK_DGRAM as a DatagramSocket: read until EAGAIN, sends that meet EAGAIN wait
//   seqpacket.ts   SOCK_SEQPACKET as a listener and Connections
//   child.ts       the addon alone in a child Node, for the experiments that run it under strace
//   net-calls.ts   two calls on node:net sockets, not AF_UNIX ones of its own: a TCP peer's name,
//                  and shutdown(SHUT_WR), each for less than Node's own way costs a busy server
//                  (net-node.ts imports it straight from its file)
//
// What replaced node-unix-socket (issue 18), and what its sharp edges were: connect() errors said
// "No such file or directory" whatever the kernel said, seqpacket errors surfaced as libuv's EBADF,
// destroy() inside a callback aborted the process, a dgram socket went deaf after EAGAIN, MSG_TRUNC
// was never reported, and @names were NUL-padded to 108 bytes. Each now has a test in test/native/.
export { seqpacketConnectsScript } from "./child.js";
export { openDgram, PATIENCE_MS, UNIX_DGRAM_READ_SIZE } from "./dgram.js";
export { addonError, type ErrorContext, newSocket } from "./errors.js";
export { addonKernelPath, kernelName, kernelPathOf } from "./names.js";
export {
  ADDON_FILE,
  type Constants,
  type Credentials,
  loadNative,
  type Native,
  type Received,
  type UnixSocket,
  type WatchCallback,
} from "./native.js";
export { connectSeqpacket, listenSeqpacket } from "./seqpacket.js";
export { Watch } from "./watch.js";
