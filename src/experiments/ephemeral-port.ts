import { readFileSync } from "node:fs";
import { parseInet } from "../transports/address.js";
import type { Experiment } from "./experiment.js";
import { bindDatagram, datagramTransport, dial, listen } from "./sockets.js";

const RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range";

export const ephemeralPort: Experiment = {
  name: "ephemeral-port",
  summary: "port 0, or no bind() before connect(), gets a port from ip_local_port_range",
  claim: {
    page: "ip(7)",
    section: "DESCRIPTION (/proc interfaces)",
    text:
      "ip_local_port_range (since Linux 2.2) This file contains two integers that define the default " +
      "local port range allocated to sockets that are not explicitly bound to a port number—that is, the " +
      "range used for ephemeral ports.",
  },
  steps: [
    "bind (and listen, for TCP) to port 0 on loopback and read back the port the kernel chose",
    "connect() a socket that was never bound to it and read back its local port",
    `compare both with ${RANGE_FILE}`,
  ],
  expected: {
    tcp4: "in ip_local_port_range",
    tcp6: "in ip_local_port_range",
    udp4: "in ip_local_port_range",
    udp6: "in ip_local_port_range",
  },
  notApplicable:
    "A unix socket has no ports: unbound, it has no name at all (see unbound-unix-dgram-sender); Linux " +
    "autobinds it to an abstract name only on request, which Node cannot make.",
  explain:
    "Port 0 asks the kernel to choose, and it chooses from ip_local_port_range (IPv6 uses the same " +
    "ipv4 file). A socket that connect()s without a bind() gets one the same way. Here the range is " +
    "read from /proc, so a machine with a tuned range still matches.",
  async run(name, context) {
    const [low, high] = readFileSync(RANGE_FILE, "utf8").trim().split(/\s+/).map(Number) as [number, number];
    let bound: string;
    let connected: string;
    if (name === "udp4" || name === "udp6") {
      const server = await bindDatagram(name, context);
      const client = await (await datagramTransport(name)).open(server.local, context.trace);
      context.defer(() => client.close());
      [bound, connected] = [server.local, client.local];
    } else {
      const listener = await listen(name, context);
      const client = await dial(name, context, listener.address);
      [bound, connected] = [listener.address, client.local];
    }
    const ports = [parseInet(bound).port, parseInet(connected).port];
    const inRange = ports.every((port) => port >= low && port <= high);
    return {
      outcome: inRange ? "in ip_local_port_range" : "outside ip_local_port_range",
      evidence: [`bind(port 0) got ${ports[0]}; connect() got ${ports[1]}; ${RANGE_FILE}: ${low} ${high}`],
    };
  },
};
