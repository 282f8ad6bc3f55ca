// --capture for one session: tcpdump on lo for an inet transport, placed on the run's time axis when
// it stops; for a unix transport no capture at all, and the line that says why.
import type { TraceOrigin } from "../trace/origin.js";
import type { TransportInfo } from "../transports/transport.js";
import { checkCapture, startCapture } from "./capture.js";
import { placePackets, UNIX_WIRE, type Wire } from "./wire.js";

export { checkCapture };

export interface WireCapture {
  /** Stop capturing, and give what crossed the wire. */
  stop(): Promise<Wire>;
}

/** Start capturing the session with the server at `serverAddress` (its port is bound). */
export async function captureWire(
  transport: TransportInfo,
  serverAddress: string,
  origin: TraceOrigin,
): Promise<WireCapture> {
  if (transport.family === "unix") {
    return { stop: async () => ({ device: "none", packets: [], none: UNIX_WIRE }) };
  }
  const capture = await startCapture(serverAddress);
  return {
    async stop() {
      return { device: "lo", packets: placePackets(await capture.stop(), serverAddress, origin) };
    },
  };
}
