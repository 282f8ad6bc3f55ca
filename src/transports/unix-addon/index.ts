// What the transports (and the experiments that call the library without the transports' checks)
// may use of node-unix-socket: library.ts says why it needs a door, and this folder is it.
export { seqpacketConnectsScript } from "./child.js";
export { ADDON_DGRAM_MAX, openDgram } from "./dgram.js";
// The library itself, for the bench's floor server, which measures it with none of our layers.
export { type Addon, addonKernelPath, type ErrorContext, load as loadLibrary } from "./library.js";
export { connectSeqpacket, listenSeqpacket } from "./seqpacket.js";
