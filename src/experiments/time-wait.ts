import { readFileSync } from "node:fs";
import type { Experiment } from "./experiment.js";
import { listenQueue, portOf, ss, traceShutdown, watch } from "./kit/index.js";
import { dial } from "./sockets.js";

/** The st column of /proc/net/tcp: include/net/tcp_states.h. */
const STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "04": "FIN-WAIT-1",
  "05": "FIN-WAIT-2",
  "06": "TIME-WAIT",
  "07": "CLOSE",
  "08": "CLOSE-WAIT",
  "09": "LAST-ACK",
  "0B": "CLOSING",
};

export const timeWait: Experiment = {
  name: "time-wait",
  summary: "the side that closes first keeps the connection in TIME-WAIT after both sides have closed",
  claim: {
    page: "RFC 793",
    section: "3.2 Terminology",
    text:
      "TIME-WAIT - represents waiting for enough time to pass to be sure the remote TCP received the " +
      "acknowledgment of its connection termination request.",
  },
  steps: [
    "connect; the client closes first: shutdown(SHUT_WR) sends its FIN",
    "the server reads EOF and closes its side too",
    "once the client's socket is closed, look the connection up in /proc/net/tcp (and with ss)",
  ],
  expected: { tcp4: "client in TIME-WAIT, server gone", tcp6: "client in TIME-WAIT, server gone" },
  notApplicable:
    "TIME-WAIT is TCP's: a unix socket's kernel sees both ends and needs no wait, and UDP has no connection.",
  explain:
    "The side that sends the first FIN also sends the last ACK, and cannot know whether that ACK arrived, " +
    "so it keeps the connection's four numbers (addresses and ports) in TIME-WAIT, 60 s on Linux, long " +
    "after our program closed the socket. The server, which closed second, was done as soon as its FIN " +
    "was acknowledged: whoever closes first pays, and a busy client that does can run out of ports.",
  async run(name, context) {
    const { listener, accepted } = await listenQueue(name, context);
    const client = await dial(name, context, listener.address);
    const clientSaw = watch(client);
    const server = await accepted();
    watch(server, {
      end: () => {
        traceShutdown(context, "server", server.end());
      },
    });
    const overflowsBefore = timeWaitOverflows();
    traceShutdown(context, "client", client.end());
    await clientSaw.closed(1000);

    const clientPort = portOf(client.local);
    const serverPort = portOf(listener.address);
    const table = name === "tcp6" ? "/proc/net/tcp6" : "/proc/net/tcp";
    // The last ACK may still be on its way when 'close' fires: look again for a moment.
    let entries = connections(table);
    const clientEntry = () => entries.find((e) => e.local === clientPort && e.remote === serverPort);
    for (let i = 0; i < 20 && clientEntry()?.state !== "TIME-WAIT"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      entries = connections(table);
    }
    const clientSide = clientEntry();
    const serverSide = entries.find((e) => e.local === serverPort && e.remote === clientPort);
    const said = (side: typeof clientSide) => (side ? side.state : "gone");
    // With net.ipv4.tcp_max_tw_buckets TIME-WAIT sockets already held (by anything on the machine),
    // the kernel closes a new one at once and counts it in TcpExt TCPTimeWaitOverflow.
    const overflowed = timeWaitOverflows() - overflowsBefore;
    const clientState =
      !clientSide && overflowed > 0 ? "no TIME-WAIT (the kernel's table was full)" : `in ${said(clientSide)}`;
    return {
      outcome: `client ${clientState}, server ${serverSide ? `in ${said(serverSide)}` : "gone"}`,
      evidence: [
        ...(overflowed > 0
          ? [`TcpExt TCPTimeWaitOverflow +${overflowed} while this ran (/proc/net/netstat)`]
          : []),
        `${table}: client side (port ${clientPort}) ${said(clientSide)}; server side (port ${serverPort}) ${said(serverSide)}`,
        ...(await ss(["-tan", `( sport = :${clientPort} or dport = :${clientPort} )`])).map(
          (l) => `ss: ${l}`,
        ),
      ],
    };
  },
};

/** How many TIME-WAIT sockets the kernel has refused because its table was full, so far. */
function timeWaitOverflows(): number {
  const lines = readFileSync("/proc/net/netstat", "utf8")
    .split("\n")
    .filter((l) => l.startsWith("TcpExt:"));
  const [names, values] = lines.map((l) => l.split(/\s+/));
  const at = names?.indexOf("TCPTimeWaitOverflow") ?? -1;
  return at < 0 ? 0 : Number(values?.[at] ?? 0);
}

/** The TCP connections the kernel knows, TIME-WAIT ones included, from /proc/net/tcp or tcp6. */
function connections(file: string): { local: number; remote: number; state: string }[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      const row = /^\s*\d+:\s+[0-9A-F]+:([0-9A-F]{4})\s+[0-9A-F]+:([0-9A-F]{4})\s+([0-9A-F]{2})/.exec(line);
      if (!row) return [];
      const [, local, remote, state] = row as unknown as [string, string, string, string];
      return [
        {
          local: Number.parseInt(local, 16),
          remote: Number.parseInt(remote, 16),
          state: STATES[state] ?? state,
        },
      ];
    });
}
