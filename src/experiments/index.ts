// Every experiment, in the order `experiment list` shows them: by the call the lab lists (socket,
// bind, listen, accept, connect, send, recv), then closing, then the unix and IPv6 specifics, and last what only a unix socket can carry.
import { abstractName } from "./abstract-name.js";
import { acceptNewSocket } from "./accept-new-socket.js";
import { bindInUse } from "./bind-in-use.js";
import { bindReuseAddr } from "./bind-reuseaddr.js";
import { closeUnreadRst } from "./close-unread-rst.js";
import { connectNoListener } from "./connect-no-listener.js";
import { dgramDisconnect } from "./dgram-disconnect.js";
import { dgramReconnect } from "./dgram-reconnect.js";
import { dgramTooLarge } from "./dgram-too-large.js";
import { ephemeralPort } from "./ephemeral-port.js";
import type { Experiment } from "./experiment.js";
import { fdPassing } from "./fd-passing.js";
import { halfClose } from "./half-close.js";
import { ipv6DualStack } from "./ipv6-dual-stack.js";
import { ipv6Only } from "./ipv6-only.js";
import { labBindScope } from "./lab/bind-scope.js";
import { labLoss } from "./lab/loss.js";
import { labMtu } from "./lab/mtu.js";
import { labRefusedUnreachable } from "./lab/refused-unreachable.js";
import { labUnixNamespaces } from "./lab/unix-namespaces.js";
import { labRulePrefix } from "./lab-rule-prefix.js";
import { listenBacklogFull } from "./listen-backlog-full.js";
import { messageBoundaries } from "./message-boundaries.js";
import { peerCredentials } from "./peer-credentials.js";
import { recvBufferShort } from "./recv-buffer-short.js";
import { sockbufDoubling } from "./sockbuf-doubling.js";
import { streamConnectTwice } from "./stream-connect-twice.js";
import { timeWait } from "./time-wait.js";
import { udpConnectNoListener } from "./udp-connect-no-listener.js";
import { udpConnectedFilter } from "./udp-connected-filter.js";
import { udpDropFullRcvbuf } from "./udp-drop-full-rcvbuf.js";
import { unboundUnixDgramSender } from "./unbound-unix-dgram-sender.js";
import { unconnectedManyPeers } from "./unconnected-many-peers.js";
import { unixConnectMissingPath } from "./unix-connect-missing-path.js";
import { unixConnectStaleFile } from "./unix-connect-stale-file.js";
import { unixDgramQueueFull } from "./unix-dgram-queue-full.js";
import { unixPathPersists } from "./unix-path-persists.js";
import { unixPathTooLong } from "./unix-path-too-long.js";
import { writeAfterPeerClose } from "./write-after-peer-close.js";
import { zeroLengthMessage } from "./zero-length-message.js";

export const EXPERIMENTS: readonly Experiment[] = [
  // socket() and its buffers
  sockbufDoubling,
  // bind()
  bindInUse,
  bindReuseAddr,
  ephemeralPort,
  unixPathPersists,
  unixPathTooLong,
  // listen() and accept()
  listenBacklogFull,
  acceptNewSocket,
  // connect()
  connectNoListener,
  udpConnectNoListener,
  unixConnectMissingPath,
  unixConnectStaleFile,
  streamConnectTwice,
  udpConnectedFilter,
  dgramReconnect,
  dgramDisconnect,
  // send() and recv()
  messageBoundaries,
  labRulePrefix,
  zeroLengthMessage,
  dgramTooLarge,
  recvBufferShort,
  unconnectedManyPeers,
  udpDropFullRcvbuf,
  unixDgramQueueFull,
  unboundUnixDgramSender,
  // shutdown() and close()
  halfClose,
  closeUnreadRst,
  writeAfterPeerClose,
  timeWait,
  // names and families
  abstractName,
  ipv6DualStack,
  ipv6Only,
  // what only a unix socket carries: who the peer is, and open files
  peerCredentials,
  fdPassing,
  // across two hosts (--hosts two): what loopback cannot show
  labBindScope,
  labRefusedUnreachable,
  labLoss,
  labMtu,
  labUnixNamespaces,
];

export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}
