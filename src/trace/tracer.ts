// Stamps records into SocketEvents: microseconds since this tracer began, and what the transport is.
import type { TransportInfo } from "../transports/transport.js";
import type { CallRecord, SocketEvent, Trace } from "./events.js";

export function createTracer(transport: TransportInfo, sink: (event: SocketEvent) => void): Trace {
  const start = process.hrtime.bigint();
  const { name, family, type } = transport;
  const now = () => Number((process.hrtime.bigint() - start) / 1000n);
  return Object.assign(
    (record: CallRecord) => sink({ transport: name, family, type, ...record, t: record.t ?? now() }),
    {
      now,
    },
  );
}
