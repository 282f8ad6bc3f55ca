// What the transports (and the experiments that call the library without the transports' checks)
// may use of node-unix-socket: library.ts says why it needs a door, and this folder is it.
export { seqpacketConnectsScript } from "./child.js";
export { ADDON_DGRAM_MAX, openDgram } from "./dgram.js";
export { addonKernelPath, type ErrorContext } from "./library.js";
export { connectSeqpacket, listenSeqpacket } from "./seqpacket.js";
