// `playground server`: the lab's server, long-running and serving many clients at once, with the
// limits a server anyone can reach needs. Ctrl-C, SIGTERM or SIGHUP stops it: no new peers at once, the
// sessions in progress get --drain-timeout seconds, the rest are closed, its socket file removed.
import os from "node:os";
import { UsageError } from "../errors.js";
import { createSink } from "../output/sink.js";
import { DEFAULT_PROTOCOL, type ProtocolOptions } from "../protocol/messages.js";
import { startServer } from "../protocol/server.js";
import { chooseTransport } from "../strategy.js";
import { createTracer } from "../trace/tracer.js";
import { abstractNameNote, isAbstract, parseInet } from "../transports/address.js";
import { loadTransport } from "../transports/index.js";
import { type AddressFlags, namedAddress } from "./addresses.js";
import { type CommonFlags, formatOf, messageEndOf } from "./options.js";

export interface ServerFlags extends CommonFlags, AddressFlags {
  idleTimeout: number;
  messageTimeout: number;
  sendTimeout: number;
  drainTimeout: number;
  maxConnections: number;
  maxMessageBytes: number;
  maxPeers: number;
  mode: string;
  messageEnd?: string;
}

export async function server(flags: ServerFlags): Promise<void> {
  const name = chooseTransport(flags);
  const options = { ...limits(flags), messageEnd: messageEndOf(flags.messageEnd, name) };
  const mode = fileMode(flags.mode);
  const address = await namedAddress(name, flags);
  const transport = await loadTransport(name);
  const sink = await createSink(transport, formatOf(flags, "lines"), flags.logLevel ?? "info");
  if (isAbstract(address)) sink.say(`note: ${abstractNameNote(address)}`);
  if (transport.family !== "unix" && ["0.0.0.0", "::"].includes(parseInet(address).host)) {
    process.stderr.write(
      `warning: ${address} is every interface: anyone who can reach this machine can talk to the server (the default is loopback)\n`,
    );
  }
  // Signals are caught before the socket exists: a SIGTERM that comes while it starts still gets a
  // clean stop (drain, socket file removed) as soon as the server is up. SIGHUP too: a closed terminal
  // is a stop like any other. A second signal while draining stops at once, still cleaning up (the
  // socket file goes at process exit: socket-file.ts).
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const stopping = new Promise<NodeJS.Signals>((resolve) => {
    signalled = resolve;
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals === 1) return signalled(signal);
    sink.say(`${signal} again: stopping now, without waiting for the sessions`);
    void sink.finish().finally(() => process.exit(128 + (os.constants.signals[signal] ?? 15)));
  };
  const unhook = () => {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const trace = createTracer(
    transport,
    (e) => sink.event(e),
    (call) => sink.wants(call),
  );
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(transport, address, options, trace, { socketFile: { mode } });
  } catch (err) {
    unhook();
    throw err;
  }
  const signal = await stopping;
  sink.say(
    `${signal}: no new peers; waiting up to ${flags.drainTimeout} s for ${running.activeSessions} session(s)`,
  );
  await running.close(flags.drainTimeout);
  unhook();
  sink.say("Server stopped.");
  await sink.finish();
}

/** What stops a server: Ctrl-C, kill, a closed terminal. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The limits, already in range: the CLI checks every number flag first (commands/validate.ts). */
function limits(flags: ServerFlags): ProtocolOptions {
  const { idleTimeout, messageTimeout, sendTimeout, maxConnections, maxMessageBytes, maxPeers } = flags;
  return {
    ...DEFAULT_PROTOCOL,
    idleTimeout,
    messageTimeout,
    sendTimeout,
    maxConnections,
    maxMessageBytes,
    maxPeers,
  };
}

function fileMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text))
    throw new UsageError(`--mode ${text}: give permissions in octal, like 600 or 660`);
  return Number.parseInt(text, 8);
}
