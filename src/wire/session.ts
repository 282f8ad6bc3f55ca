// --capture for one session: tcpdump on lo for an inet transport, and for TCP the sockets' state
// changes from the kernel's tracepoints, placed on the run's time axis when it stops; for a unix
// transport no capture at all, and the line that says why.

import { join } from "node:path";
import type { TraceOrigin } from "../trace/origin.js";
import { parseInet } from "../transports/address.js";
import type { TransportInfo } from "../transports/transport.js";
import {
  type CaptureSite,
  checkCapture as checkTcpdump,
  recordLoopback,
  startCapture,
  type WireProto,
} from "./capture.js";
import { timeWaitOn } from "./ss.js";
import { mountTracefs, startStateTrace, whyNoStates } from "./tracefs.js";
import { placePackets, placeStates, UNIX_WIRE, type Wire, type WireState } from "./wire.js";

export interface WireCapture {
  /** Stop capturing, and give what crossed the wire. */
  stop(): Promise<Wire>;
}

/** Refuse in one line, before anything starts, what cannot capture here (SetupError, exit 2). */
export function checkCapture(transport: TransportInfo): void {
  if (transport.family === "unix") return;
  checkTcpdump();
  if (transport.type === "stream") mountTracefs();
}

/**
 * Start capturing the session with the server at `serverAddress` (its port is bound): on lo, or on
 * `site` (a lab host's end of the link, --hosts two).
 */
export async function captureWire(
  transport: TransportInfo,
  serverAddress: string,
  origin: TraceOrigin,
  site?: CaptureSite,
): Promise<WireCapture> {
  if (transport.family === "unix") {
    return { stop: async () => ({ device: "none", packets: [], none: UNIX_WIRE, states: [] }) };
  }
  const { port } = parseInet(serverAddress);
  const noStates = transport.type === "stream" ? whyNoStates() : undefined;
  // tcpdump starts while the instance is made (writing trace_clock resets its buffers: ~30 ms).
  const starting = startCapture(serverAddress, protoOf(transport), site);
  let states: ReturnType<typeof startStateTrace> | undefined;
  try {
    states = transport.type === "stream" && !noStates ? startStateTrace(port) : undefined;
  } catch (err) {
    void starting.then(
      (capture) => capture.stop(),
      () => {},
    );
    throw err;
  }
  const capture = await starting;
  return {
    async stop() {
      // tcpdump waits for the wire to fall quiet while the instance is read and removed (~35 ms).
      const stopping = capture.stop();
      const traced = states ? placeStates(states.stop(port), port, origin) : [];
      const packets = placePackets(await stopping, serverAddress, origin);
      return {
        device: site?.device ?? "lo",
        packets,
        states: [...traced, ...(await timeWaits(traced, port, site?.namespaces))],
        ...(noStates ? { noStates } : {}),
      };
    },
  };
}

/**
 * Capture everything that may be a session's that has not begun yet, its port unknown until it is
 * over (a run under strace, which binds in another process): all of lo into `dir`, and for TCP all
 * sockets' states; stop() keeps what was the server's at `serverAddress`.
 */
export async function captureLater(
  transport: TransportInfo,
  dir: string,
): Promise<{ stop(serverAddress: string | undefined, origin: TraceOrigin): Promise<Wire> }> {
  if (transport.family === "unix") {
    return { stop: async () => ({ device: "none", packets: [], none: UNIX_WIRE, states: [] }) };
  }
  const noStates = transport.type === "stream" ? whyNoStates() : undefined;
  const states = transport.type === "stream" && !noStates ? startStateTrace() : undefined;
  const recording = await recordLoopback(join(dir, "lo.pcap"));
  return {
    async stop(serverAddress, origin) {
      const port = serverAddress === undefined ? undefined : parseInet(serverAddress).port;
      // No server port (it never bound): nothing is the session's, and port -1 keeps nothing.
      const traced = states ? placeStates(states.stop(port ?? -1), port ?? -1, origin) : [];
      const packets = await recording.stop(port === undefined ? [] : [port], protoOf(transport));
      return {
        device: "lo",
        packets: serverAddress === undefined ? [] : placePackets(packets, serverAddress, origin),
        states: port === undefined ? [] : [...traced, ...(await timeWaits(traced, port))],
        ...(noStates ? { noStates } : {}),
      };
    },
  };
}

/**
 * The sockets ss lists in TIME_WAIT, each where the tracepoint saw it close: at that moment the
 * kernel put a timewait socket in its place.
 */
async function timeWaits(
  traced: readonly WireState[],
  port: number,
  namespaces?: readonly string[],
): Promise<WireState[]> {
  const where = namespaces ?? [undefined];
  const waiting = (await Promise.all(where.map((netns) => timeWaitOn(port, netns)))).flat();
  return waiting.flatMap(({ local, remote }) => {
    const closed = traced.findLast(
      (s) => s.what === "state" && s.to === "CLOSE" && s.local === local && s.remote === remote,
    );
    if (closed?.what !== "state") return [];
    return [{ ...closed, from: closed.from, to: "TIME_WAIT", source: "ss", text: "TIME_WAIT (ss)" }];
  });
}

/** TCP for a stream transport, UDP for a datagram one (inet only: unix has no wire). */
export function protoOf(transport: TransportInfo): WireProto {
  return transport.type === "stream" ? "tcp" : "udp";
}
