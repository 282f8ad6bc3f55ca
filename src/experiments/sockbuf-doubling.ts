import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import { formatInet } from "../transports/address.js";
import type { Experiment, ExperimentContext, Observation } from "./experiment.js";
import { python } from "./kit/index.js";

const ASKED = 4096;
/** Far above net.core.rmem_max, to see the cap. */
const TOO_MUCH = 100_000_000;

// The unix-dgram transport has no buffer-size call (the addon's setsockopt() is not part of the
// DatagramSocket interface), so the kernel is asked directly, on a socket of the same kind.
const UNIX_DGRAM_BUFFERS = `
import json, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, ${ASKED})
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, ${ASKED})
rcvbuf = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
sndbuf = s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, ${TOO_MUCH})
print(json.dumps({"rcvbuf": rcvbuf, "sndbuf": sndbuf, "capped": s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)}))
`;

const UNIX_NOTE =
  'doubled all the same, though unix(7) says "The SO_SNDBUF socket option does have an effect for UNIX ' +
  'domain sockets, but the SO_RCVBUF option does not."';

interface Sizes {
  rcvbuf: number;
  sndbuf: number;
  capped: number;
}

export const sockbufDoubling: Experiment = {
  name: "sockbuf-doubling",
  summary: "set SO_RCVBUF or SO_SNDBUF to 4096 and read back 8192: the kernel doubles it",
  claim: {
    page: "socket(7)",
    section: "DESCRIPTION (Socket options)",
    text:
      "Sets or gets the maximum socket receive buffer in bytes. The kernel doubles this value (to allow " +
      "space for bookkeeping overhead) when it is set using setsockopt(2), and this doubled value is " +
      "returned by getsockopt(2).",
  },
  steps: [
    `set SO_RCVBUF and SO_SNDBUF to ${ASKED}: udp through dgram.createSocket({ recvBufferSize, sendBufferSize })`,
    "read both back: getRecvBufferSize(), getSendBufferSize()",
    `ask for ${TOO_MUCH} bytes and read back what was given`,
  ],
  expected: { udp4: "doubled", udp6: "doubled", "unix-dgram": "doubled" },
  notApplicable:
    "The rule is the same for every socket, but Node's net has no buffer-size API, so the stream and " +
    "seqpacket sockets cannot show it.",
  explain:
    "The kernel counts a buffer's bookkeeping (each packet's metadata, not only its bytes) against the " +
    "limit, so it doubles what you ask for and reports the doubled number back. A request above " +
    "net.core.rmem_max is cut to it silently, and then doubled: no error tells you that you got less.",
  needs: { python3: ["unix-dgram"] },
  async run(name, context) {
    if (name === "unix-dgram") return viaKernel(context);
    return viaNode(name === "udp6" ? "udp6" : "udp4", context);
  },
};

async function viaNode(type: "udp4" | "udp6", context: ExperimentContext): Promise<Observation> {
  const via = `dgram.createSocket({ recvBufferSize: ${ASKED}, sendBufferSize: ${ASKED} })`;
  const socket = dgram.createSocket({ type, recvBufferSize: ASKED, sendBufferSize: ASKED });
  context.defer(() => new Promise<void>((done) => socket.close(() => done())));
  context.trace({ side: "server", call: "socket", inferred: true, via });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, type === "udp6" ? "::1" : "127.0.0.1", () => resolve());
  });
  // Node sets both options once bound; that is where it calls setsockopt().
  context.trace({
    side: "server",
    call: "bind",
    inferred: false,
    via: "socket.bind()",
    local: formatInet(socket.address().address, socket.address().port),
    requested: formatInet(type === "udp6" ? "::1" : "127.0.0.1", 0),
    detail: "then SO_RCVBUF, SO_SNDBUF",
  });
  const sizes = { rcvbuf: socket.getRecvBufferSize(), sndbuf: socket.getSendBufferSize() };
  socket.setRecvBufferSize(TOO_MUCH);
  return observe({ ...sizes, capped: socket.getRecvBufferSize() }, "Node");
}

async function viaKernel(context: ExperimentContext): Promise<Observation> {
  const sizes = await python(context, UNIX_DGRAM_BUFFERS).json<Sizes>();
  const observation = observe(sizes, "a python3 child (the unix-dgram transport has no buffer-size call)");
  return {
    ...observation,
    evidence: [...(observation.evidence ?? []), UNIX_NOTE],
  };
}

function observe({ rcvbuf, sndbuf, capped }: Sizes, who: string): Observation {
  const rmemMax = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
  const doubled = rcvbuf === 2 * ASKED && sndbuf === 2 * ASKED;
  return {
    outcome: doubled ? "doubled" : `got ${rcvbuf} and ${sndbuf} for ${ASKED}`,
    evidence: [
      `${who}: SO_RCVBUF ${ASKED} → ${rcvbuf}, SO_SNDBUF ${ASKED} → ${sndbuf}`,
      `SO_RCVBUF ${TOO_MUCH} → ${capped}: net.core.rmem_max is ${rmemMax}, ${capped === 2 * rmemMax ? "cut to it and doubled" : "not the doubled cap"}`,
    ],
  };
}
