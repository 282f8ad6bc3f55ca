import { linkSync, readFileSync, statSync } from "node:fs";
import type { Experiment } from "./experiment.js";
import { sendText, seqpacketConnectsUnderStrace, seqpacketOutcome } from "./kit/index.js";
import { bindDatagram, datagramTransport, dial, listen, outcomeOf } from "./sockets.js";

export const unixConnectStaleFile: Experiment = {
  name: "unix-connect-stale-file",
  summary: "connect() to a socket file whose socket is gone is refused: the file alone is nobody",
  claim: {
    page: "unix(7)",
    section: "ERRORS",
    text:
      "ECONNREFUSED The remote address specified by connect(2) was not a listening socket. This error can " +
      "also occur if the target pathname is not a socket.",
  },
  steps: [
    "bind a socket at a path (and listen, for stream and seqpacket)",
    "give its socket file a second name with link(2)",
    "close the socket: the first name is removed, the second stays, a socket file with no socket behind " +
      "it, as a server killed with kill -9 leaves",
    "connect() to the second name (sendto() for a datagram socket)",
  ],
  expected: { "unix-stream": "ECONNREFUSED", "unix-dgram": "ECONNREFUSED", "unix-seqpacket": "ECONNREFUSED" },
  notApplicable: "TCP and UDP addresses are not files, so nothing can be left behind.",
  explain:
    "The file is only a name: connect() finds it, then looks for the socket bound to it, and there is none " +
    "any more, so the kernel refuses with ECONNREFUSED rather than ENOENT. Such a file also blocks a new " +
    "bind() on that path (EADDRINUSE) until someone unlinks it.",
  needs: { strace: ["unix-seqpacket"] },
  async run(name, context) {
    const [path, stale] = [context.address("gone"), context.address("stale")];
    if (name === "unix-dgram") {
      const gone = await bindDatagram(name, context, path);
      linkSync(path, stale);
      await gone.close();
      const sender = await (await datagramTransport(name)).open(stale, context.trace);
      context.defer(() => sender.close());
      const outcome = await outcomeOf(sendText(context, "client", sender, "anyone there?", stale));
      return { outcome, evidence: [staleFile(stale, path)] };
    }
    const listener = await listen(name, context, undefined, path);
    linkSync(path, stale);
    await listener.close();
    const playground = await outcomeOf(dial(name, context, stale));
    if (name !== "unix-seqpacket") return { outcome: playground, evidence: [staleFile(stale, path)] };
    const observation = seqpacketOutcome(playground, await seqpacketConnectsUnderStrace(context, stale, 1));
    return { ...observation, evidence: [staleFile(stale, path), ...(observation.evidence ?? [])] };
  },
};

/** What is at `stale` now: the file, and whether /proc/net/unix still lists a socket under either name. */
function staleFile(stale: string, first: string): string {
  const kind = statSync(stale).isSocket() ? "a socket file" : "not a socket file";
  const bound = readFileSync("/proc/net/unix", "utf8")
    .split("\n")
    .filter((line) => line.endsWith(` ${first}`) || line.endsWith(` ${stale}`)).length;
  return `${stale}: ${kind}; /proc/net/unix lists ${bound} socket${bound === 1 ? "" : "s"} bound there`;
}
