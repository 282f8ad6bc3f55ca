// `playground server`: the lab's server, long-running and serving many clients at once, until
// Ctrl-C or SIGTERM, when it stops taking new peers, lets the sessions in progress finish, and
// removes its socket file.

import { createSink } from "../output/sink.js";
import { DEFAULT_PROTOCOL } from "../protocol/messages.js";
import { startServer } from "../protocol/server.js";
import { chooseTransport } from "../strategy.js";
import { createTracer } from "../trace/tracer.js";
import { abstractNameNote, isAbstract } from "../transports/address.js";
import { loadTransport } from "../transports/index.js";
import { type AddressFlags, namedAddress } from "./addresses.js";
import { type CommonFlags, formatOf } from "./options.js";

export interface ServerFlags extends CommonFlags, AddressFlags {
  idleTimeout: number;
  drainTimeout: number;
  maxMessageBytes: number;
}

export async function server(flags: ServerFlags): Promise<void> {
  const name = chooseTransport(flags);
  const address = await namedAddress(name, flags);
  const transport = await loadTransport(name);
  const sink = await createSink(transport, formatOf(flags, "lines"), flags.logLevel ?? "info");
  if (isAbstract(address)) sink.say(`note: ${abstractNameNote(address)}`);
  const options = {
    ...DEFAULT_PROTOCOL,
    idleTimeout: flags.idleTimeout,
    maxMessageBytes: flags.maxMessageBytes,
  };
  const running = await startServer(
    transport,
    address,
    options,
    createTracer(transport, (e) => sink.event(e)),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop).off("SIGTERM", stop);
      sink.say(
        `${signal}: no new peers; waiting up to ${flags.drainTimeout} s for ${running.activeSessions} session(s)`,
      );
      running.close(flags.drainTimeout).then(resolve, resolve);
    };
    process.on("SIGINT", stop).on("SIGTERM", stop);
  });
  sink.say("Server stopped.");
  await sink.finish();
}
