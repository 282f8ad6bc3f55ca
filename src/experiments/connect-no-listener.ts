import type { Experiment } from "./experiment.js";
import { dial, listen, outcomeOf } from "./sockets.js";

export const connectNoListener: Experiment = {
  name: "connect-no-listener",
  summary: "connect() to a TCP port where nothing listens is refused at once",
  claim: {
    page: "connect(2)",
    section: "ERRORS",
    text: "ECONNREFUSED A connect() on a stream socket found no one listening on the remote address.",
  },
  steps: [
    "listen on an ephemeral port on loopback, note the port, close the listener",
    "connect() to that port",
  ],
  expected: { tcp4: "ECONNREFUSED", tcp6: "ECONNREFUSED" },
  notApplicable:
    "UDP has no connection to refuse (see udp-connect-no-listener); a unix path with nothing bound is " +
    "ENOENT or ECONNREFUSED (see unix-connect-enoent-vs-refused).",
  explain:
    "Nothing was listening, so the kernel answered the SYN with a reset and connect() failed with " +
    "ECONNREFUSED straight away. Node reports it as an 'error' event on the socket, never as a throw.",
  async run(name, context) {
    const listener = await listen(name, context);
    const { address } = listener;
    await listener.close();
    return { outcome: await outcomeOf(dial(name, context, address)) };
  },
};
