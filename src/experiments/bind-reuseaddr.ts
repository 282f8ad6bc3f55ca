import type { TransportName } from "../transports/transport.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { straceNode, TracedUdpSocket, udpType } from "./kit/index.js";
import { listen, outcomeOf } from "./sockets.js";

export const bindReuseAddr: Experiment = {
  name: "bind-reuseaddr",
  summary: "with SO_REUSEADDR two UDP sockets share a port; a live TCP listener still holds its own",
  claim: {
    page: "socket(7)",
    section: "DESCRIPTION (Socket options)",
    text:
      "SO_REUSEADDR Indicates that the rules used in validating addresses supplied in a bind(2) call " +
      "should allow reuse of local addresses. For AF_INET sockets this means that a socket may bind, " +
      "except when there is an active listening socket bound to the address.",
  },
  steps: [
    "UDP: bind two sockets, both with SO_REUSEADDR (reuseAddr: true), to the same address; send one " +
      "datagram there",
    "TCP: listen on an address (Node sets SO_REUSEADDR on every TCP socket it binds), then listen on it " +
      "again",
  ],
  expected: { tcp4: "EADDRINUSE", tcp6: "EADDRINUSE", udp4: "both bound", udp6: "both bound" },
  notApplicable:
    "A unix socket's address is a file, and SO_REUSEADDR does not let a second bind() take it (see " +
    "bind-addrinuse).",
  explain:
    "SO_REUSEADDR relaxes bind() but never against a listening socket, so the second TCP listener is " +
    "refused even though Node set the option on both. UDP sockets never listen, so with the option on both " +
    "they share the port, and a unicast datagram goes to one of them (the last bound). Sharing a TCP port " +
    "takes SO_REUSEPORT, which Node 20's net cannot set (reusePort came in Node 22.12 and 23.1).",
  async run(name, context) {
    if (name === "udp4" || name === "udp6") return shareUdpPort(name, context);
    const first = await listen(name, context);
    const outcome = await outcomeOf(listen(name, context, undefined, first.address));
    return { outcome, evidence: [await reuseAddrSetByNode(name)] };
  },
};

async function shareUdpPort(name: TransportName, context: ExperimentContext): Promise<Observation> {
  const first = new TracedUdpSocket(context, udpType(name), "server", { reuseAddr: true });
  const second = new TracedUdpSocket(context, udpType(name), "server", { reuseAddr: true });
  await first.bind(context.address());
  const bound = await outcomeOf(second.bind(first.local()));
  if (bound !== "succeeded") return { outcome: bound };
  const sender = new TracedUdpSocket(context, udpType(name), "client");
  await sender.send("who gets this?", first.local());
  const arrived = () => first.inbox.texts.length + second.inbox.texts.length > 0;
  await Promise.race([first.inbox.until(arrived, 500), second.inbox.until(arrived, 500)]);
  const receiver =
    first.inbox.texts.length > 0 ? "the first" : second.inbox.texts.length > 0 ? "the second" : "neither";
  return {
    outcome: "both bound",
    evidence: [`both sockets bound ${first.local()}; the datagram sent there reached ${receiver}`],
  };
}

/** What libuv does to a TCP socket before bind(), as strace sees it in a child Node. */
async function reuseAddrSetByNode(name: TransportName): Promise<string> {
  const host = name === "tcp6" ? "::1" : "127.0.0.1";
  const script = `require("node:net").createServer().listen(0, ${JSON.stringify(host)}, function () { this.close(); });`;
  try {
    const { calls } = await straceNode(script, [], "setsockopt");
    const line = calls.find((call) => call.includes("SO_REUSEADDR"));
    return line ? `strace of server.listen() in a child Node: ${line}` : "strace saw no SO_REUSEADDR";
  } catch (err) {
    return `(not shown: ${(err as Error).message})`;
  }
}
