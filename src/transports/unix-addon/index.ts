// What the rest of the playground may use of node-unix-socket: library.ts says why it needs a door,
// and this folder is it. The transports use the sockets; the experiments that call the library
// without the transports' checks, and the bench's floor server (the library with none of our
// layers), use the library itself (loadLibrary, seqpacketConnectsScript).
export { seqpacketConnectsScript } from "./child.js";
export { ADDON_DGRAM_MAX, openDgram } from "./dgram.js";
export { type Addon, addonKernelPath, type ErrorContext, load as loadLibrary } from "./library.js";
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
