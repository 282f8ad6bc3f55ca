// The bench server: `node dist/bench/bench-server.js echo|sink TRANSPORT ADDRESS`. It runs in a process
// of its own, apart from the load, as sockperf's and iperf3's servers do, and serves the bench protocol
// (wire.ts) on the playground's transports. Like `playground server` it prints "Server is listening on
// ADDRESS" (or "bound to", for datagrams) once ready: the address the kernel chose for port 0.
//
// It stops on SIGTERM or SIGINT, and when its standard input (a pipe from the bench) closes: a bench
// that dies leaves no server behind.
import { fstatSync } from "node:fs";
import { parseTransportName } from "../strategy.js";
import { loadTransport } from "../transports/index.js";
import { serveEcho } from "./echo-service.js";
import { serveSink } from "./sink-service.js";

const [service, name, address] = process.argv.slice(2);

try {
  if ((service !== "echo" && service !== "sink") || name === undefined || address === undefined) {
    throw new Error("usage: bench-server.js echo|sink TRANSPORT ADDRESS");
  }
  const transport = await loadTransport(parseTransportName(name));
  const running = await (service === "echo" ? serveEcho : serveSink)(transport, address);
  const verb = transport.kind === "connection" ? "listening on" : "bound to";
  process.stdout.write(`Server is ${verb} ${running.address}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop).on("SIGINT", stop);
  const input = fstatSync(0);
  if (input.isFIFO() || input.isSocket()) process.stdin.on("close", stop).resume();
} catch (err) {
  process.stderr.write(`bench-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
