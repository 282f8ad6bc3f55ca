import { openDgram } from "../transports/unix-addon/index.js";
import type { Experiment } from "./experiment.js";
import { inboxOf, sendText } from "./kit/index.js";
import { bindDatagram, outcomeOf } from "./sockets.js";

export const unboundUnixDgramSender: Experiment = {
  name: "unbound-unix-dgram-sender",
  summary: "a unix datagram from a socket that never bound arrives from nobody: no address to answer",
  claim: {
    page: "unix(7)",
    section: "DESCRIPTION (Address format)",
    text:
      "unnamed A stream socket that has not been bound to a pathname using bind(2) has no name. Likewise, " +
      "the two sockets created by socketpair(2) are unnamed. When the address of an unnamed socket is " +
      "returned, its length is sizeof(sa_family_t), and sun_path should not be inspected.",
  },
  steps: [
    "bind a receiver at a path",
    "open a datagram socket without bind() and sendto() the receiver",
    "read the datagram and its sender's address, and try to answer that address",
  ],
  expected: { "unix-dgram": 'arrives from ""' },
  notApplicable:
    "UDP binds an unbound sender to an ephemeral port on its first sendto(), so it can always be answered " +
    "(see ephemeral-port); connection-oriented sockets answer on the connection, needing no address.",
  explain:
    "A unix socket gets a name only by bind(): Linux does not bind one on sendto() (it autobinds only with " +
    "SO_PASSCRED set), so the datagram arrives with no sender address at all and the receiver cannot " +
    "reply. This is why the playground's unix-dgram client binds a path of its own.",
  async run(name, context) {
    const receiver = await bindDatagram(name, context);
    const inbox = inboxOf(receiver, context, "server");
    context.trace({
      side: "client",
      call: "socket",
      inferred: true,
      via: "new UnixSocket(SOCK_DGRAM)",
      detail: "no bind()",
    });
    const sender = openDgram(undefined, { transport: name, address: "" });
    context.defer(() => sender.close());
    await sendText(context, "client", sender, "who am I?", receiver.local);
    await inbox.until(() => inbox.has("who am I?"), 500);
    const from = inbox.senders[0];
    if (from === undefined) return { outcome: "nothing arrives" };
    const reply = await outcomeOf(sendText(context, "server", receiver, "reply", from));
    return {
      outcome: `arrives from ${JSON.stringify(from)}`,
      evidence: [
        `received "${inbox.texts[0]}" from ${JSON.stringify(from)}`,
        `a reply to ${JSON.stringify(from)}: ${reply} (the playground's own check: there is no address to sendto())`,
      ],
    };
  },
};
