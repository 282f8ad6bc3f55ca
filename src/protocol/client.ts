// A client for any transport: one session, welcome then ack.
import type { Transport } from "../transports/transport.js";
import { type ClientResult, runConnectionClient } from "./connection-client.js";
import { type DatagramClientOptions, runDatagramClient } from "./datagram-client.js";
import type { Report } from "./events.js";

export type { ClientResult };

export function runClient(
  transport: Transport,
  server: string,
  options: DatagramClientOptions,
  report: Report,
): Promise<ClientResult> {
  return transport.kind === "datagram"
    ? runDatagramClient(transport, server, options, report)
    : runConnectionClient(transport, server, options, report);
}
