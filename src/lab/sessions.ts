// Sessions from inside the lab's client host: `node sessions.js TRANSPORT SERVER COUNT CONCURRENCY
// TIMEOUT RETRIES`, run there by `ip netns exec` (remote.ts scriptIn), since a process cannot move a
// socket into another namespace. COUNT sessions of the playground's own client, CONCURRENCY at a time,
// each printed as one JSON line when it ends: whether the ack came, how long the whole session took,
// and how many datagrams the client sent again because no reply came (its resends; TCP's retransmits
// are the kernel's, counted from outside by the tracepoint).
import { performance } from "node:perf_hooks";
import { runClient } from "../protocol/client.js";
import { MESSAGE } from "../protocol/messages.js";
import { createTracer } from "../trace/tracer.js";
import { factsOf, type TransportName } from "../transports/facts.js";
import { loadTransport } from "../transports/index.js";

export interface SessionLine {
  ok: boolean;
  ms: number;
  resends: number;
  error?: string;
}

const [name, server, count, concurrency, timeout, retries] = process.argv.slice(2);
const transport = await loadTransport(factsOf(name as TransportName).name);
let next = 0;

async function one(): Promise<SessionLine> {
  let resends = 0;
  const trace = createTracer(transport, (e) => {
    if (e.side === "client" && e.detail?.startsWith("resent")) resends++;
  });
  const start = performance.now();
  const options = { message: Buffer.from(MESSAGE), timeout: Number(timeout), retries: Number(retries) };
  try {
    await runClient(transport, server as string, options, trace);
    return { ok: true, ms: performance.now() - start, resends };
  } catch (err) {
    return { ok: false, ms: performance.now() - start, resends, error: (err as Error).message };
  }
}

async function worker(): Promise<void> {
  while (next < Number(count)) {
    next++;
    process.stdout.write(`${JSON.stringify(await one())}\n`);
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, worker));
