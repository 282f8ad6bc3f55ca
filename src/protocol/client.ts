// A client for any transport: one session, welcome then ack.
import type { Trace } from "../trace/events.js";
import type { Transport } from "../transports/transport.js";
import { type ClientResult, runConnectionClient } from "./connection-client.js";
import { type DatagramClientOptions, runDatagramClient } from "./datagram-client.js";

export type { ClientResult };

export function runClient(
  transport: Transport,
  server: string,
  options: DatagramClientOptions,
  trace: Trace,
): Promise<ClientResult> {
  return transport.kind === "datagram"
    ? runDatagramClient(transport, server, options, trace)
    : runConnectionClient(transport, server, options, trace);
}
