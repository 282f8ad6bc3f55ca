// `playground run` (the default): server and client in one process on a fresh address, drawn as a
// ladder of the socket calls on each side. Ctrl-C removes its socket's temp dir (leftovers.ts).
import { exitOnInterrupt } from "../leftovers.js";
import { createSink, traceInto } from "../output/sink.js";
import { runClient } from "../protocol/client.js";
import { DEFAULT_PROTOCOL } from "../protocol/messages.js";
import { startServer } from "../protocol/server.js";
import { chooseTransport } from "../strategy.js";
import { abstractNameNote, isAbstract } from "../transports/address.js";
import { loadTransport } from "../transports/index.js";
import type { TransportName } from "../transports/transport.js";
import { captureWire, checkCapture } from "../wire/session.js";
import { freshAddress, namedAddress } from "./addresses.js";
import type { RunFlags } from "./flags/run.js";
import { note } from "./notice.js";
import { formatOf, messageEndOf } from "./options.js";

/** Across the lab (src/lab/): loaded only when asked for, as --trace-syscalls is. */
async function runOnTwoHosts(name: TransportName, flags: RunFlags): Promise<void> {
  const { runAcross } = await import("../lab/session.js");
  await runAcross(name, {
    format: formatOf(flags, "ladder"),
    logLevel: flags.logLevel ?? "info",
    message: flags.message,
    timeout: flags.timeout,
    retries: flags.retries,
    messageEnd: flags.messageEnd,
    abstract: flags.abstract,
    firewall: flags.firewall,
    conditions: { loss: flags.loss, mtu: flags.mtu, delayMs: flags.delay },
    capture: flags.capture,
  });
}

export async function run(flags: RunFlags): Promise<void> {
  exitOnInterrupt();
  if (flags.traceSyscalls) return (await import("../syscalls/trace-syscalls.js")).traceSyscalls(flags);
  const name = chooseTransport(flags);
  const protocol = { ...DEFAULT_PROTOCOL, messageEnd: messageEndOf(flags.messageEnd, name) };
  if (flags.hosts === "two") return runOnTwoHosts(name, flags);
  const named = flags.path === undefined ? undefined : await namedAddress(name, { path: flags.path });
  const transport = await loadTransport(name);
  if (flags.capture) checkCapture(transport); // before anything starts, or is printed
  const sink = await createSink(transport, formatOf(flags, "ladder"), flags.logLevel ?? "info");
  const trace = traceInto(sink, transport);
  const fresh = named === undefined ? freshAddress(name, flags) : undefined;
  const address = named ?? (fresh?.address as string);
  try {
    if (isAbstract(address)) note(abstractNameNote(address, name), flags.logLevel);
    const server = await startServer(transport, address, protocol, trace);
    // tcpdump starts once the port is known, and before the client's first packet.
    const capture = flags.capture ? await captureWire(transport, server.address, trace.origin) : undefined;
    try {
      await runClient(transport, server.address, { ...flags, message: Buffer.from(flags.message) }, trace);
    } finally {
      await server.close(flags.timeout);
      if (capture) sink.wire(await capture.stop());
    }
  } finally {
    fresh?.cleanup();
    await sink.finish();
  }
}
