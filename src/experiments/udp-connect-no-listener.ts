import type { Experiment } from "./experiment.js";
import { inboxOf, sendText, TracedUdpSocket, udpType } from "./kit/index.js";
import { bindDatagram, datagramTransport } from "./sockets.js";

export const udpConnectNoListener: Experiment = {
  name: "udp-connect-no-listener",
  summary: "UDP to a dead port: silent when unconnected, ECONNREFUSED on a connect()ed socket",
  claim: {
    page: "udp(7)",
    section: "ERRORS",
    text:
      "ECONNREFUSED No receiver was associated with the destination address. This might be caused by a " +
      "previous packet sent over the socket.",
  },
  steps: [
    "bind a socket on an ephemeral port on loopback, note the port, close it: a dead port",
    "from an unconnected socket, sendto() the dead port twice, then sendto() itself (that one arrives last)",
    "from a socket connect()ed to the dead port, send() once and wait for what comes back",
  ],
  expected: { udp4: "silent, then ECONNREFUSED", udp6: "silent, then ECONNREFUSED" },
  notApplicable:
    "TCP and unix connections are refused by connect() itself (see connect-no-listener, " +
    "unix-connect-stale-file); a unix datagram sendto() to a dead path fails at once.",
  explain:
    "The kernel answers a datagram to a dead port with an ICMP port unreachable. A connect()ed socket keeps " +
    "it as a pending error that its next call returns, here the recvmsg() Node keeps waiting in: " +
    "ECONNREFUSED, as an 'error' event. An unconnected socket is never told, although udp(7)'s \"Error " +
    'handling" says it would be: Linux does that only with IP_RECVERR set, which Node cannot set.',
  async run(name, context) {
    const transport = await datagramTransport(name);
    const gone = await bindDatagram(name, context);
    const dead = gone.local;
    await gone.close();

    const unconnected = new TracedUdpSocket(context, udpType(name), "client");
    await unconnected.bind(context.address());
    const quiet = unconnected.inbox;
    await unconnected.send("anyone there?", dead);
    await unconnected.send("anyone there?", dead);
    // Loopback delivers in order: once this one is back, an error for the two before would be too.
    await unconnected.send("to myself", unconnected.local());
    await quiet.until(() => quiet.has("to myself") || quiet.errors.length > 0, 500);
    const first = quiet.errors[0] ?? "silent";

    const connected = await transport.open(dead, context.trace);
    context.defer(() => connected.close());
    const told = inboxOf(connected, context, "client");
    await sendText(context, "client", connected, "anyone there?", dead);
    await told.until(() => told.errors.length > 0, 500);
    const second = told.errors[0] ?? "silent";

    return {
      outcome: `${first}, then ${second}`,
      evidence: [
        `unconnected ${unconnected.local()}: 2 sendto(${dead}) succeeded; ${first === "silent" ? "no error before its datagram to itself arrived" : `then ${first}`}`,
        `connected ${connected.local} -> ${dead}: send() succeeded; ${second === "silent" ? "no error within 500 ms" : `then 'error' ${second} (from recvmsg)`}`,
      ],
    };
  },
};
