// `playground client`: one session against a running server, like the lab's client.

import { createReporter } from "../output/reporter.js";
import { runClient } from "../protocol/client.js";
import { chooseTransport } from "../strategy.js";
import { abstractNameNote, isAbstract } from "../transports/address.js";
import { loadTransport } from "../transports/index.js";
import { type AddressFlags, namedAddress } from "./addresses.js";
import type { ClientFlags, CommonFlags } from "./options.js";

export interface ClientCommandFlags extends CommonFlags, ClientFlags, AddressFlags {}

export async function client(flags: ClientCommandFlags): Promise<void> {
  const name = chooseTransport(flags);
  const server = await namedAddress(name, flags);
  const transport = await loadTransport(name);
  const reporter = await createReporter(transport, flags.json, flags.logLevel ?? "info");
  try {
    if (isAbstract(server)) reporter.say(`note: ${abstractNameNote(server)}`);
    await runClient(transport, server, { ...flags, message: Buffer.from(flags.message) }, reporter.report);
  } finally {
    await reporter.flush();
  }
}
