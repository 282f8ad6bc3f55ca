import { join } from "node:path";
import type { Experiment } from "../experiment.js";
import { ask, labPeer, type PeerSays } from "./peer.js";

const EXPECTED = "socket file served, abstract name ECONNREFUSED";

export const labUnixNamespaces: Experiment = {
  name: "lab-unix-namespaces",
  summary: "across two network namespaces: a unix socket file is reachable, an abstract name is not",
  claim: {
    page: "unix(7)",
    section: "DESCRIPTION",
    text: "abstract: an abstract socket address is distinguished … by the fact that sun_path[0] is a null byte ('\\0'). … Abstract sockets are … bound to a network namespace.",
  },
  steps: [
    "on the server host, bind a socket file in a directory both hosts see (the filesystem is one); connect from the client host",
    "on the server host, bind an abstract name; connect to that name from the client host",
  ],
  expected: { "unix-stream": EXPECTED, "unix-dgram": EXPECTED, "unix-seqpacket": EXPECTED },
  notApplicable: "inet sockets reach the other host by its address: see lab-bind-scope.",
  explain:
    "A network namespace separates the network, not the filesystem: a socket file is found by its path " +
    "from any namespace, so a client on the other host reaches it. An abstract name has no file; it lives " +
    "in the network namespace it was bound in (unix(7), network_namespaces(7)), and from another one " +
    "there is no such name: connect() and sendto() fail with ECONNREFUSED, as for a name nobody bound.",
  hosts: "two",
  needs: { python3: ["unix-stream", "unix-dgram", "unix-seqpacket"] },
  async run(name, context) {
    const lab = context.lab;
    if (!lab) throw new Error("no lab");
    const reach = async (address: string, own: string) => {
      const server = labPeer(context, lab.server, ["serve", name, address]);
      const bound = await server.json<PeerSays>();
      if (bound.errno) return `bind ${bound.errno}`;
      const said = await ask(context, lab.client, ["dial", name, address, "2", own]);
      return said.errno ?? said.outcome ?? "nothing";
    };
    const file = join(context.dir, "s.sock");
    const abstract = `@socket-playground-lab-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const viaFile = await reach(file, join(context.dir, "c1.sock"));
    const viaAbstract = await reach(abstract, join(context.dir, "c2.sock"));
    return {
      outcome: `socket file ${viaFile}, abstract name ${viaAbstract}`,
      evidence: [
        `python3 in ${lab.server.netns} bound ${file}; python3 in ${lab.client.netns} → ${viaFile}`,
        `python3 in ${lab.server.netns} bound ${abstract}; python3 in ${lab.client.netns} → ${viaAbstract}`,
      ],
    };
  },
};
