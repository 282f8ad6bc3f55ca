import { formatInet, parseInet } from "../transports/address.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { inboxOf, sendText } from "./kit/index.js";
import { bindDatagram, connectionTransport, datagramTransport, dial, listen, outcomeOf } from "./sockets.js";

export const ipv6Only: Experiment = {
  name: "ipv6-only",
  summary: "with IPV6_V6ONLY on, an IPv6 socket on :: takes no IPv4: connect refused, datagram lost",
  claim: {
    page: "ipv6(7)",
    section: "DESCRIPTION (Socket options)",
    text:
      "IPV6_V6ONLY (since Linux 2.4.21 and 2.6) If this flag is set to true (nonzero), then the socket is " +
      "restricted to sending and receiving IPv6 packets only.",
  },
  steps: [
    "bind an IPv6 socket to :: (every address) on port 0 with IPV6_V6ONLY on (ipv6Only: true, as the " +
      "playground's tcp6 and udp6 always do)",
    "from an IPv4 socket, connect() (TCP) or send() (UDP) to 127.0.0.1 on that port",
    "for comparison, do the same over IPv6 to ::1",
  ],
  expected: { tcp6: "ECONNREFUSED", udp6: "does not arrive" },
  notApplicable: "Only an IPv6 socket has the option; unix sockets have no IP addresses.",
  explain:
    "With IPV6_V6ONLY on, the socket on :: owns the port for IPv6 only, so for IPv4 nobody is bound there: " +
    "the kernel answers the TCP SYN with a reset (ECONNREFUSED) and the UDP datagram with an ICMP port " +
    "unreachable, which the connect()ed sender sees as ECONNREFUSED. IPv6 peers get through as usual.",
  async run(name, context) {
    return name === "tcp6" ? viaTcp(context) : viaUdp(context);
  },
};

async function viaTcp(context: ExperimentContext): Promise<Observation> {
  const listener = await listen("tcp6", context, undefined, "[::]:0");
  const { port } = parseInet(listener.address);
  const tcp4 = await connectionTransport("tcp4");
  const overIpv4 = await outcomeOf(
    tcp4.dial(formatInet("127.0.0.1", port), context.trace).then((connection) => connection.destroy()),
  );
  const overIpv6 = await outcomeOf(dial("tcp6", context, formatInet("::1", port)));
  return {
    outcome: overIpv4,
    evidence: [
      `listening on ${listener.address}; connect() from IPv4: ${overIpv4}; from IPv6 (::1): ${overIpv6}`,
    ],
  };
}

async function viaUdp(context: ExperimentContext): Promise<Observation> {
  const receiver = await bindDatagram("udp6", context, "[::]:0");
  const inbox = inboxOf(receiver, context, "server");
  const { port } = parseInet(receiver.local);
  const over = async (name: "udp4" | "udp6", host: string) => {
    const to = formatInet(host, port);
    const sender = await (await datagramTransport(name)).open(to, context.trace);
    context.defer(() => sender.close());
    const senderInbox = inboxOf(sender, context, "client");
    const text = `over ${name === "udp4" ? "IPv4" : "IPv6"}`;
    await sendText(context, "client", sender, text, to);
    // Either it arrives, or the kernel's ICMP port unreachable comes back to the connect()ed sender.
    await Promise.race([
      inbox.until(() => inbox.has(text), 500),
      senderInbox.until(() => senderInbox.errors.length > 0, 500),
    ]);
    return inbox.has(text)
      ? "arrives"
      : `does not arrive${senderInbox.errors[0] ? ` (sender: ${senderInbox.errors[0]})` : ""}`;
  };
  const overIpv4 = await over("udp4", "127.0.0.1");
  const overIpv6 = await over("udp6", "::1");
  return {
    outcome: overIpv4.startsWith("does not arrive") ? "does not arrive" : overIpv4,
    evidence: [
      `bound to ${receiver.local}; a datagram over IPv4 ${overIpv4}; over IPv6 (::1) it ${overIpv6}`,
    ],
  };
}
