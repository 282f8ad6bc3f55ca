import type { Experiment } from "../experiment.js";
import { ask, labPeer, type PeerSays } from "./peer.js";
import { anyOf, at, ipOf, loopbackOf } from "./where.js";

const EXPECTED = "loopback ECONNREFUSED, own served, any served, other's EADDRNOTAVAIL";

export const labBindScope: Experiment = {
  name: "lab-bind-scope",
  summary:
    "across two hosts, bind()'s address decides who can reach the server: loopback is for this host only",
  claim: {
    page: "ip(7)",
    section: "DESCRIPTION",
    text: "When a process wants to receive new incoming packets or connections, it should bind a socket to a local interface address using bind(2). In this case, only one IP socket may be bound to any given local (address, port) pair. When INADDR_ANY is specified in the bind call, the socket will be bound to all local interfaces.",
  },
  steps: [
    "on the server host, bind loopback (127.0.0.1 or ::1) on a fresh port; from the client host, connect to the server's lab address and that port",
    "bind the server host's own lab address; connect from the client host",
    "bind the any address (0.0.0.0 or ::); connect from the client host",
    "on the server host, bind the client host's address",
  ],
  expected: { tcp4: EXPECTED, tcp6: EXPECTED, udp4: EXPECTED, udp6: EXPECTED },
  notApplicable: "A unix socket has a path, not an interface: see lab-unix-namespaces.",
  explain:
    "A packet from the other host arrives on the veth link, addressed to the server's lab address. A " +
    "socket bound to loopback does not match it — to the kernel nothing listens on that address and " +
    "port — so TCP answers with a reset and UDP with ICMP port unreachable: ECONNREFUSED either way " +
    "(UDP only on a connected socket). The host's own address and the any address match. An address " +
    "of another host is no address of this one, and bind() refuses it with EADDRNOTAVAIL.",
  hosts: "two",
  needs: { python3: ["tcp4", "tcp6", "udp4", "udp6"] },
  async run(name, context) {
    const lab = context.lab;
    if (!lab) throw new Error("no lab");
    const serverIp = ipOf(lab.server, name);
    const reach = async (bindIp: string): Promise<[string, PeerSays]> => {
      const server = labPeer(context, lab.server, ["serve", name, at(bindIp, 0)]);
      const bound = await server.json<PeerSays>();
      if (bound.errno) return [bound.errno, bound];
      const said = await ask(context, lab.client, ["dial", name, at(serverIp, bound.bound ?? 0), "2"]);
      return [said.errno ?? said.outcome ?? "nothing", said];
    };
    const [loopback, l] = await reach(loopbackOf(name));
    const [own, o] = await reach(serverIp);
    const [any, a] = await reach(anyOf(name));
    const other = await ask(context, lab.server, ["serve", name, at(ipOf(lab.client, name), 0)]);
    const otherSaid = other.errno ?? `bound ${other.bound}`;
    return {
      outcome: `loopback ${loopback}, own ${own}, any ${any}, other's ${otherSaid}`,
      evidence: [
        `python3 in ${lab.server.netns}: bind(${loopbackOf(name)}) → connect from ${lab.client.netns} to ${serverIp}: ${loopback} after ${l.ms ?? "?"} ms`,
        `bind(${serverIp}) → ${own} (${o.ms ?? "?"} ms)`,
        `bind(${anyOf(name)}) → ${any} (${a.ms ?? "?"} ms)`,
        `bind(${ipOf(lab.client, name)}), the client host's address, in ${lab.server.netns}: ${otherSaid}`,
      ],
    };
  },
};
