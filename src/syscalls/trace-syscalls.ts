// `playground --trace-syscalls`: the same exchange, run again as a child under `strace -f`, and the
// kernel's view beside the ladder — the real system calls, each under the step it made. The child
// reports its steps as NDJSON (--json); strace's log says what the kernel was asked. Both are data;
// this file only joins them and prints.

import type { RunFlags } from "../commands/flags/run.js";
import { formatOf, messageEndOf } from "../commands/options.js";
import { UsageError } from "../errors.js";
import { tempDir } from "../leftovers.js";
import { shows } from "../output/levels.js";
import { chooseTransport, familyTypeOf } from "../strategy.js";
import { hasSyscalls, type SocketEvent } from "../trace/events.js";
import type { TraceOrigin } from "../trace/origin.js";
import { loadTransport } from "../transports/index.js";
import type { TransportName } from "../transports/transport.js";
import { useColor } from "../views/paint.js";
import { wrap } from "../views/wrap.js";
import { wireRecords } from "../wire/json.js";
import { wireNotes } from "../wire/notes.js";
import { captureLater, checkCapture } from "../wire/session.js";
import { type KernelView, matchSyscalls } from "./match.js";
import { parseStrace } from "./parse.js";
import { findSockets } from "./sockets.js";
import { runUnderStrace } from "./strace.js";
import { kernelNotes, kernelSummary, renderKernelLadder } from "./view.js";

export async function traceSyscalls(flags: RunFlags): Promise<void> {
  const name = chooseTransport(flags);
  messageEndOf(flags.messageEnd, name); // a bad rule is said here, before strace starts
  const format = formatOf(flags, "ladder");
  if (format !== "ladder" && format !== "json") {
    throw new UsageError(`--trace-syscalls draws the ladder, or NDJSON with --json; not --format ${format}`);
  }
  const transport = await loadTransport(name);
  if (flags.capture) checkCapture(transport); // before anything starts
  // The child binds its port under strace: the wire is recorded whole and read back for that port.
  const dir = flags.capture ? tempDir("playground-wire-") : undefined;
  const later = dir ? await captureLater(transport, dir.path) : undefined;
  const traced = await runUnderStrace(childArgs(name, flags));

  const lines = traced.stdout.split("\n").filter((line) => line.trim() !== "");
  const records = lines.map(parseRecord);
  const events = records.filter(isEvent);
  const sockets = findSockets(parseStrace(traced.log), transport, events);
  const kernel = matchSyscalls(events, sockets, transport);
  const began = records.find((r) => r?.trace === "began")?.origin as TraceOrigin | undefined;
  const bound = events.find((e) => e.side === "server" && e.call === "bind" && !e.errno)?.local;
  const wire = later && began ? await later.stop(bound, began) : undefined;
  dir?.remove();

  if (format === "json") {
    lines.forEach((line, i) => {
      const r = records[i];
      // A message's end or a refusal is no call: it gets no syscalls list at all (an EOF does).
      process.stdout.write(`${isEvent(r) && hasSyscalls(r) ? withSyscalls(r, kernel) : line}\n`);
    });
    for (const { record } of wire ? wireRecords(wire, name) : []) {
      process.stdout.write(`${JSON.stringify(record)}\n`);
    }
  } else if (shows(flags.logLevel ?? "info", "info") && events.length > 0) {
    const out = (lines: string[]) => process.stdout.write(`${lines.join("\n")}\n`);
    // Wrapped at 100 columns, as the ladder is (views/wrap.ts, as the other views' notes).
    const wrapped = (text: string, indent: string) => wrap(text, 100, indent).split("\n");
    for (const r of records) if (typeof r?.note === "string") out(wrapped(r.note, "  "));
    process.stdout.write(renderKernelLadder(events, kernel, transport, useColor(process.stdout), wire));
    out(["", ...kernelSummary(kernel).flatMap((line) => wrapped(line, "  "))]);
    const notes = [...kernelNotes(events, kernel, transport), ...(wire ? wireNotes(wire, events) : [])];
    out(["", "Notes:", ...notes.flatMap((n) => wrapped(`  • ${n}`, "    "))]);
  }
  // The child's own failures (and strace's, if any) are already one line each: pass them on as they are.
  process.stderr.write(traced.stderr);
  if (traced.code !== 0) process.exitCode = traced.code ?? 1;
}

/** `run` again with the same choices, as NDJSON; `=` keeps a message or path starting with `-` a value. */
function childArgs(name: TransportName, flags: RunFlags): string[] {
  return [
    "run",
    `--transport=${name}`,
    "--json",
    `--message=${flags.message}`,
    `--timeout=${flags.timeout}`,
    // Only where it applies: on a transport that never resends the child would warn about it.
    ...(familyTypeOf(name).type === "dgram" ? [`--retries=${flags.retries}`] : []),
    ...(flags.path === undefined ? [] : [`--path=${flags.path}`]),
    ...(flags.abstract ? ["--abstract"] : []),
    ...(flags.messageEnd === undefined ? [] : [`--message-end=${flags.messageEnd}`]),
    ...(flags.logLevel === undefined ? [] : [`--log-level=${flags.logLevel}`]),
  ];
}

/** One NDJSON line of the child's; undefined for a line that is not JSON. */
function parseRecord(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function isEvent(r: Record<string, unknown> | undefined): r is Record<string, unknown> & SocketEvent {
  return typeof r?.call === "string" && (r.side === "client" || r.side === "server");
}

/** The child's NDJSON object with a `syscalls` array: what strace wrote, and the fd, name and result. */
function withSyscalls(event: SocketEvent, kernel: KernelView): string {
  const syscalls = (kernel.calls.get(event) ?? []).map(({ fd, call }) => ({
    fd,
    name: call.name,
    result: call.result ?? null,
    ...(call.errno === undefined ? {} : { errno: call.errno }),
    text: call.text,
  }));
  return JSON.stringify({ ...event, syscalls });
}
