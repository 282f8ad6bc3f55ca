import { readFileSync } from "node:fs";
import net from "node:net";
import { formatInet, parseInet } from "../transports/address.js";
import type { Experiment, ExperimentContext } from "./experiment.js";
import { TracedUdpSocket } from "./kit/index.js";
import { connectionTransport } from "./sockets.js";

const BINDV6ONLY = "/proc/sys/net/ipv6/bindv6only";

export const ipv6DualStack: Experiment = {
  name: "ipv6-dual-stack",
  summary: "an IPv6 socket on :: with IPV6_V6ONLY off also takes IPv4, seen as ::ffff:127.0.0.1",
  claim: {
    page: "ipv6(7)",
    section: "DESCRIPTION",
    text:
      "IPv4 and IPv6 share the local port space. When you get an IPv4 connection or packet to an IPv6 " +
      "socket, its source address will be mapped to v6.",
  },
  steps: [
    "bind an IPv6 socket to :: (every address) on port 0, with IPV6_V6ONLY off (ipv6Only: false)",
    "from an IPv4 socket, connect() (TCP) or sendto() (UDP) 127.0.0.1 on that port",
    "read the peer's address as the IPv6 socket sees it",
  ],
  expected: {
    tcp6: "IPv4 peer seen as ::ffff:127.0.0.1",
    udp6: "IPv4 peer seen as ::ffff:127.0.0.1",
  },
  notApplicable: "Only an IPv6 socket can take both families; unix sockets have no IP addresses.",
  explain:
    "With IPV6_V6ONLY off, one IPv6 socket on :: also answers on every local IPv4 address, and the kernel " +
    "shows each IPv4 peer as an IPv4-mapped IPv6 address: ::ffff: followed by the IPv4 address. Off is " +
    `Linux's default (${BINDV6ONLY} = 0) and Node's (ipv6Only: false); the playground's tcp6 and udp6 ` +
    "turn it on, so this experiment makes its own sockets.",
  async run(name, context) {
    const sysctl = `${BINDV6ONLY} = ${readFileSync(BINDV6ONLY, "utf8").trim()}`;
    const [server, peer] = name === "tcp6" ? await viaTcp(context) : await viaUdp(context);
    const seen = parseInet(peer).host;
    return {
      outcome: `IPv4 peer seen as ${seen}`,
      evidence: [sysctl, `the IPv6 socket is bound to ${server}; the IPv4 peer's address there: ${peer}`],
    };
  },
};

/** A dual-stack TCP listener (which the tcp6 transport never makes) and an IPv4 client: [server, peer]. */
async function viaTcp(context: ExperimentContext): Promise<[string, string]> {
  const via = "server.listen()";
  const server = net.createServer({ allowHalfOpen: true });
  context.defer(() => new Promise((done) => server.close(done)));
  const accepted = new Promise<string>((resolve) => {
    server.once("connection", (socket) => {
      context.defer(() => socket.destroy());
      const peer = formatInet(socket.remoteAddress ?? "", socket.remotePort ?? 0);
      context.trace({
        side: "server",
        call: "accept",
        session: 1,
        inferred: true,
        via: "'connection' event",
        remote: peer,
      });
      resolve(peer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject); // EAFNOSUPPORT on a machine without IPv6
    server.listen({ host: "::", port: 0, ipv6Only: false }, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  const local = formatInet("::", port);
  context.trace({ side: "server", call: "socket", inferred: true, via, detail: "IPV6_V6ONLY off" });
  context.trace({ side: "server", call: "bind", inferred: true, via, local, requested: formatInet("::", 0) });
  context.trace({ side: "server", call: "listen", inferred: true, via, local });
  const client = await (await connectionTransport("tcp4")).dial(formatInet("127.0.0.1", port), context.trace);
  context.defer(() => client.destroy());
  return [local, await accepted];
}

/** A dual-stack UDP socket and an IPv4 sender: [server, peer]. */
async function viaUdp(context: ExperimentContext): Promise<[string, string]> {
  const server = new TracedUdpSocket(context, "udp6", "server", { ipv6Only: false });
  await server.bind("[::]:0");
  const sender = new TracedUdpSocket(context, "udp4", "client");
  const { port } = parseInet(server.local());
  await sender.send("over IPv4", formatInet("127.0.0.1", port));
  await server.inbox.until(() => server.inbox.texts.length > 0, 500);
  return [server.local(), server.inbox.senders[0] ?? "nothing arrived:0"];
}
