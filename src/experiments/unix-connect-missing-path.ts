import type { Experiment } from "./experiment.js";
import { sendText, seqpacketConnectsUnderStrace, seqpacketOutcome } from "./kit/index.js";
import { datagramTransport, dial, outcomeOf } from "./sockets.js";

export const unixConnectMissingPath: Experiment = {
  name: "unix-connect-missing-path",
  summary: "connect() or sendto() to a unix path with no file there fails with ENOENT",
  claim: {
    page: "unix(7)",
    section: "ERRORS",
    text: "ENOENT The pathname in the remote address specified to connect(2) did not exist.",
  },
  steps: [
    "choose a path in an empty temp dir, where nothing is bound",
    "connect() to it (sendto() for a datagram socket)",
  ],
  expected: { "unix-stream": "ENOENT", "unix-dgram": "ENOENT", "unix-seqpacket": "ENOENT" },
  notApplicable:
    "TCP and UDP addresses are not files: a dead port is refused (see connect-no-listener, " +
    "udp-connect-no-listener).",
  explain:
    "A pathname address is looked up in the filesystem like any file, so a path that does not exist fails " +
    "the lookup before any socket is asked: ENOENT, not ECONNREFUSED. A unix datagram socket does the " +
    "same lookup on every sendto().",
  needs: { strace: ["unix-seqpacket"] },
  async run(name, context) {
    const path = context.address("nobody");
    if (name === "unix-dgram") {
      const sender = await (await datagramTransport(name)).open(path, context.trace);
      context.defer(() => sender.close());
      return { outcome: await outcomeOf(sendText(context, "client", sender, "anyone there?", path)) };
    }
    const playground = await outcomeOf(dial(name, context, path));
    if (name !== "unix-seqpacket") return { outcome: playground };
    return seqpacketOutcome(playground, await seqpacketConnectsUnderStrace(context, path, 1));
  },
};
