import type { Experiment } from "./experiment.js";
import { bindDatagram, listen, outcomeOf } from "./sockets.js";

export const bindInUse: Experiment = {
  name: "bind-addrinuse",
  summary: "bind() to an address another socket holds fails with EADDRINUSE",
  claim: { page: "bind(2)", section: "ERRORS", text: "EADDRINUSE The given address is already in use." },
  steps: [
    "bind a socket (and listen, for stream and seqpacket)",
    "bind a second socket of the same kind to the same address",
  ],
  expected: {
    tcp4: "EADDRINUSE",
    tcp6: "EADDRINUSE",
    udp4: "EADDRINUSE",
    udp6: "EADDRINUSE",
    "unix-stream": "EADDRINUSE",
    "unix-dgram": "EADDRINUSE",
    "unix-seqpacket": "EADDRINUSE",
  },
  notApplicable: "",
  explain:
    "An address names one socket, so the second bind() is refused while the first holds it. For a " +
    "unix socket the address is a file, and the file being there is enough (unlink it first). Node " +
    "sets SO_REUSEADDR on TCP listeners, which only helps after close (TIME_WAIT), not against a live one.",
  async run(name, context) {
    if (name === "udp4" || name === "udp6" || name === "unix-dgram") {
      const first = await bindDatagram(name, context);
      return { outcome: await outcomeOf(bindDatagram(name, context, first.local)) };
    }
    const first = await listen(name, context);
    return { outcome: await outcomeOf(listen(name, context, undefined, first.address)) };
  },
};
