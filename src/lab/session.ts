// `playground run --hosts two`: one session across the lab. The server runs in one namespace and the
// client in the other, each the playground's own CLI with --json; their records are merged on the
// monotonic clock and drawn by the same views as a session on loopback, the lanes saying which host each
// side was on. The lab, the children and any temp dir go however the command ends (leftovers.ts).
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { tempDir } from "../leftovers.js";
import type { Format, LogLevel } from "../output/levels.js";
import { createSink } from "../output/sink.js";
import { familyTypeOf } from "../strategy.js";
import { parseInet } from "../transports/address.js";
import { factsOf } from "../transports/facts.js";
import type { TransportName } from "../transports/transport.js";
import { captureWire, checkCapture, type WireCapture } from "../wire/session.js";
import { conditionsText, type FirewallAction, type LinkConditions } from "./conditions.js";
import { type Host, hostLabel } from "./hosts.js";
import { type Lab, makeLab } from "./lab.js";
import { mergeEvents, originOf } from "./records.js";
import { playgroundIn, type Remote } from "./remote.js";

export interface AcrossFlags {
  format: Format;
  logLevel: LogLevel;
  message: string;
  timeout: number;
  retries: number;
  messageEnd?: string;
  abstract?: boolean;
  firewall?: FirewallAction;
  conditions: LinkConditions;
  /** The wire, as `run --capture` draws it, read on the server host's end of the link. */
  capture?: boolean;
}

/** One session of `name` across a fresh lab, drawn in `flags.format`; exit 1 if the client failed. */
export async function runAcross(name: TransportName, flags: AcrossFlags): Promise<void> {
  const { family } = familyTypeOf(name);
  if (family === "unix" && (flags.firewall || Object.values(flags.conditions).some((v) => v !== undefined))) {
    throw new UsageError(
      `--loss, --mtu, --delay and --firewall act on packets on the link, and ${name} sends none: a unix socket's bytes go from one socket's queue to the other's — leave them out, or use tcp4, tcp6, udp4 or udp6`,
    );
  }
  const transport = factsOf(name);
  if (flags.capture) checkCapture(transport); // root, tcpdump, tracefs: before anything is built
  const lab = makeLab(flags.conditions);
  const hosts = { server: hostLabel(lab.server, family), client: hostLabel(lab.client, family) };
  const sink = await createSink(transport, flags.format, flags.logLevel, hosts);
  // A diagram names each host in its participants: a line before it would not parse as Mermaid.
  if (flags.format !== "mermaid") sink.say(headline(lab, name, flags));
  const { server, address } = await startServer(lab, name, flags);
  // Every time is placed on the server's clock: its trace began first (its bind() is in hand).
  const origin = originOf(server.records);
  let failed: string | undefined;
  let client: Remote | undefined;
  let capture: WireCapture | undefined;
  try {
    const port = family === "unix" ? undefined : parseInet(address).port;
    if (flags.firewall && port !== undefined) {
      lab.firewall({ port, proto: transport.type === "stream" ? "tcp" : "udp", action: flags.firewall });
    }
    // The wire: tcpdump on the server host's end of the link, TCP states from the tracepoints (which
    // see every namespace), TIME_WAIT from ss in both hosts.
    if (flags.capture && origin) {
      const namespaces = [lab.server.netns, lab.client.netns];
      capture = await captureWire(transport, address, origin, {
        device: lab.server.device,
        netns: lab.server.netns,
        namespaces,
      });
    }
    client = playgroundIn(lab, lab.client, [
      "client",
      `--transport=${name}`,
      "--json",
      ...(family === "unix"
        ? [`--path=${address}`]
        : [`--host=${parseInet(address).host}`, `--port=${port}`]),
      `--message=${flags.message}`,
      `--timeout=${flags.timeout}`,
      ...(transport.type === "dgram" ? [`--retries=${flags.retries}`] : []),
    ]);
    const done = await client.exited;
    if (done.code !== 0) failed = failureOf(done.stderr) ?? `the client exited (${done.signal ?? done.code})`;
  } finally {
    await server.stop("SIGTERM");
  }
  const wire = await capture?.stop();
  const { events } = mergeEvents([server.records, client?.records ?? []], origin);
  if (origin) sink.began(origin);
  for (const e of events) sink.event(e);
  if (wire) sink.wire(wire);
  await sink.finish();
  lab.remove();
  if (failed) throw new Error(failed);
}

/** The server in its namespace, on a fresh port of its address (or a socket file both hosts see). */
async function startServer(
  lab: Lab,
  name: TransportName,
  flags: AcrossFlags,
): Promise<{ server: Remote; address: string }> {
  const { family, type } = familyTypeOf(name);
  let bindAt: string[];
  if (family === "unix") {
    const at = flags.abstract
      ? `@socket-playground-${type}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
      : join(tempDir("playground-lab-").path, `${type}.sock`);
    bindAt = [`--path=${at}`];
  } else {
    bindAt = [`--host=${hostAddress(lab.server, family)}`, "--port=0"];
  }
  const server = playgroundIn(lab, lab.server, [
    "server",
    `--transport=${name}`,
    "--json",
    ...bindAt,
    "--drain-timeout=1",
    ...(flags.messageEnd === undefined ? [] : [`--message-end=${flags.messageEnd}`]),
  ]);
  const bound = await server.until((r) => r.side === "server" && r.call === "bind" && !r.errno);
  return { server, address: family === "unix" ? (bindAt[0] as string).slice(7) : (bound.local as string) };
}

/** A child's one-line failure: its last line after `playground: ` that is no note or warning. */
export function failureOf(stderr: string): string | undefined {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("playground: ") && !/^playground: (note|warning):/.test(line))
    .at(-1)
    ?.slice("playground: ".length);
}

function hostAddress(host: Host, family: "inet" | "inet6"): string {
  return family === "inet6" ? host.ipv6 : host.ipv4;
}

/** The line above the ladder: which host is which, and the link between them. */
function headline(lab: Lab, name: TransportName, flags: AcrossFlags): string {
  const { family } = familyTypeOf(name);
  const at = (host: Host) =>
    family === "unix" ? host.netns : `${host.netns} (${hostAddress(host, family)})`;
  return `Two hosts: the server in ${at(lab.server)}, the client in ${at(lab.client)}, joined by a veth pair (${conditionsText(lab.conditions, flags.firewall)}).`;
}
