// `playground server`: the lab's server, long-running and serving many clients at once, with the
// limits a server anyone can reach needs. Ctrl-C, SIGTERM or SIGHUP stops it: no new peers at once, the
// sessions in progress get --drain-timeout seconds, the rest are closed, its socket file removed.
import os from "node:os";
import { UsageError } from "../errors.js";
import { createSink, traceInto } from "../output/sink.js";
import { FD_ROOM, fdBudget } from "../protocol/fd-limit.js";
import { DEFAULT_PROTOCOL, type ProtocolOptions } from "../protocol/messages.js";
import { startServer } from "../protocol/server.js";
import { chooseTransport } from "../strategy.js";
import { abstractNameNote, isAbstract, parseInet } from "../transports/address.js";
import { loadTransport } from "../transports/index.js";
import { namedAddress } from "./addresses.js";
import type { ServerFlags } from "./flags/server.js";
import { note, warn } from "./notice.js";
import { formatOf, messageEndOf } from "./options.js";

export async function server(flags: ServerFlags): Promise<void> {
  const name = chooseTransport(flags);
  const options = { ...limits(flags), messageEnd: messageEndOf(flags.messageEnd, name) };
  const mode = fileMode(flags.mode);
  const format = formatOf(flags, "lines");
  if (format === "ladder" || format === "mermaid") {
    // Both draw a whole run once it has ended, and a server runs until it is stopped: it would show
    // nothing, not even that it is listening, until then.
    throw new UsageError(
      `--format ${format} draws a whole run once it ends, and a server runs until stopped — use --format lines ` +
        "(with --log-level debug for every socket call as it happens) or --json; `playground run` draws the ladder",
    );
  }
  const address = await namedAddress(name, flags);
  const transport = await loadTransport(name);
  const sink = await createSink(transport, format, flags.logLevel ?? "info");
  const lowered = fitUnderFdLimit(options, transport.kind);
  if (lowered) note(lowered, flags.logLevel);
  if (isAbstract(address)) note(abstractNameNote(address, name), flags.logLevel);
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
  const trace = traceInto(sink, transport);
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(transport, address, options, trace, { socketFile: { mode } });
  } catch (err) {
    unhook();
    throw err;
  }
  // After the bind: with --port 0 only the socket knows its port.
  if (transport.family !== "unix" && ["0.0.0.0", "::"].includes(parseInet(running.address).host)) {
    warn(
      `${running.address} is every interface: anyone who can reach this machine can talk to the server (the default is loopback)`,
    );
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

/**
 * Lower the connection cap to what the descriptor limit allows, so that the server runs out of
 * connections (and says busy) before it runs out of descriptors (and cannot). Says why, or nothing.
 */
function fitUnderFdLimit(options: ProtocolOptions, kind: "connection" | "datagram"): string | undefined {
  const budget = fdBudget();
  if (kind === "datagram" || !budget || options.maxConnections <= budget.connections) return undefined;
  const asked = options.maxConnections;
  options.maxConnections = budget.connections;
  return `--max-connections lowered from ${asked} to ${budget.connections}: this process may open ${budget.limit} files (ulimit -n), ${budget.inUse} are open, ${FD_ROOM} are kept for busy replies and logs; raise ulimit -n for more`;
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
