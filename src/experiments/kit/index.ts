// The experiment kit: steps the experiments share beyond opening sockets (../sockets.ts), each in a
// file named for what it holds.
export { acceptWaiting, addonServer, unixTypeOf } from "./addon-socket.js";
export { type ChildPeer, python, startChild } from "./child-peer.js";
export { Inbox, inboxOf, sendText } from "./inbox.js";
export { TracedUdpSocket, udpType } from "./raw-udp.js";
export { traceChild, traceSend, traceShutdown } from "./records.js";
export { portOf, ss } from "./ss.js";
export { type KernelAnswers, seqpacketConnectsUnderStrace, seqpacketOutcome, straceNode } from "./strace.js";
export { listenQueue, type Watched, watch, writeOutcome } from "./watch.js";
