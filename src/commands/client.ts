// `playground client`: one session against a running server, like the lab's client. Ctrl-C removes the
// temp dir a unix datagram client binds in (leftovers.ts).
import { exitOnInterrupt } from "../leftovers.js";
import { createSink, traceInto } from "../output/sink.js";
import { runClient } from "../protocol/client.js";
import { chooseTransport } from "../strategy.js";
import { abstractNameNote, isAbstract } from "../transports/address.js";
import { loadTransport } from "../transports/index.js";
import { namedAddress } from "./addresses.js";
import type { ClientFlags } from "./flags/client.js";
import { note } from "./notice.js";
import { formatOf } from "./options.js";

export async function client(flags: ClientFlags): Promise<void> {
  exitOnInterrupt();
  const name = chooseTransport(flags);
  const server = await namedAddress(name, flags, "connect");
  const transport = await loadTransport(name);
  const sink = await createSink(transport, formatOf(flags, "lines"), flags.logLevel ?? "info");
  try {
    if (isAbstract(server)) note(abstractNameNote(server, name), flags.logLevel);
    const trace = traceInto(sink, transport);
    await runClient(transport, server, { ...flags, message: Buffer.from(flags.message) }, trace);
  } finally {
    await sink.finish();
  }
}
