// The ladder with the kernel's view under it: after each ladder row, the system calls strace saw for
// that step, fd numbers as the kernel gave them. Every line fits in 100 columns; a call too long for
// that loses the end of its arguments (…), never its name, fd or result.
import { hasSyscalls, type SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import { drawLadder } from "../views/ladder.js";
import { layoutOf, type Row } from "../views/layout.js";
import { notesFor } from "../views/notes.js";
import type { Paint } from "../views/paint.js";
import type { Wire } from "../wire/wire.js";
import type { KernelView } from "./match.js";
import { type Syscall, withoutAnnotations } from "./parse.js";
import type { TracedSocket } from "./sockets.js";

const WIDTH = 100;
const MARK = `${" ".repeat(8)}↳ `;

export function renderKernelLadder(
  events: readonly SocketEvent[],
  kernel: KernelView,
  transport: TransportInfo,
  color: boolean,
  wire?: Wire,
): string {
  const annotations = kernelAnnotations(events, kernel, transport);
  return drawLadder(layoutOf(events, transport, annotations, wire), color, under);
}

/** What stands under a step: a system call strace saw for it, or why there is none. */
type KernelAnnotation = { syscall: Syscall } | { missing: string };

/** Each step's system calls, as the layout's annotations of it. */
function kernelAnnotations(
  events: readonly SocketEvent[],
  kernel: KernelView,
  transport: TransportInfo,
): Map<SocketEvent, KernelAnnotation[]> {
  const annotations = new Map<SocketEvent, KernelAnnotation[]>();
  for (const event of events) {
    // A message's end or a refusal is no call of anyone's; an EOF may or may not have a read() = 0.
    if (!hasSyscalls(event)) continue;
    const placed = kernel.calls.get(event) ?? [];
    annotations.set(
      event,
      placed.length === 0
        ? [{ missing: missing(event, transport) }]
        : placed.map(({ call }) => ({ syscall: call })),
    );
  }
  return annotations;
}

/** The lines under a ladder row: its system calls in the colour of its side, fitted to 100 columns. */
function under(row: Row<KernelAnnotation>, paint: Paint): string[] {
  return row.annotations.map((a) =>
    "missing" in a
      ? paint.inferred(`${MARK}${a.missing}`)
      : `${MARK}${paint[row.lane](fitCall(a.syscall, WIDTH - MARK.length))}`,
  );
}

/** What a step with no system call under it says instead. */
function missing(event: SocketEvent, transport: TransportInfo): string {
  if (event.call === "eof" && transport.api === "node:net")
    return "(no read() = 0: libuv took epoll's hang-up after a short read as EOF)";
  return "(no system call for this step in the strace log)";
}

/** `name(args) = result (errno text)`, cut down to `width`: the errno text goes first, then args' end. */
function fitCall(call: Syscall, width: number): string {
  const { name, args, returned } = withoutAnnotations(call);
  const tail = `) = ${returned}`;
  const whole = `${name}(${args}${tail}`;
  const explained = call.errnoText === undefined ? whole : `${whole} (${call.errnoText})`;
  if (explained.length <= width) return explained;
  if (whole.length <= width) return whole;
  const room = Math.max(0, width - name.length - 2 - tail.length);
  return `${name}(${args.slice(0, room)}…${tail}`;
}

/** What the kernel's side adds below the ladder: which fd was whose, and what was left out. */
export function kernelSummary(kernel: KernelView): string[] {
  const sockets = kernel.sockets.filter((s) => s.role !== "unknown");
  const lines = [
    `${MARK.trim()} the system calls strace -f saw for the step above (-yy's fd annotations left out).`,
    `Sockets in the kernel: ${sockets.map(describe).join(", ") || "none of this family and type"}.`,
  ];
  if (kernel.wouldBlock.length > 0) {
    const names = [...new Set(kernel.wouldBlock.map((c) => `${c.name}()`))].join(", ");
    lines.push(
      `Not shown: ${count(kernel.wouldBlock.length, "call")} (${names}) that returned EAGAIN: the socket ` +
        "is non-blocking and nothing was there yet, so the call came back at once.",
    );
  }
  if (kernel.unplaced.length > 0) {
    const fds = [...new Set(kernel.unplaced.map((p) => p.fd))].join(", ");
    lines.push(
      `Not shown: ${count(kernel.unplaced.length, "call")} on fd ${fds}, of this family and type but ` +
        "no ladder step's socket.",
    );
  }
  return lines;
}

function describe(s: TracedSocket): string {
  const made = `${s.calls[0]?.name}()`;
  const whose = s.role === "session" ? `server session ${s.session}` : s.role;
  return `fd ${s.fd} from ${made} (${whose})`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** The run's notes (notes.ts), and what the kernel's side showed about fds and EOF. */
export function kernelNotes(
  events: readonly SocketEvent[],
  kernel: KernelView,
  transport: TransportInfo,
): string[] {
  const notes = notesFor(events, transport);
  const fds = kernel.sockets.filter((s) => s.role !== "unknown").map((s) => s.fd);
  if (fds.length > 0) {
    notes.push(
      `Each new socket got the lowest-numbered fd not open in the process — here ${fds.join(", ")} — ` +
        `so fds 0 to ${Math.min(...fds) - 1} were already open when the first one was made. — socket(2)`,
    );
  }
  const silentEof = events.some((e) => e.call === "eof" && (kernel.calls.get(e) ?? []).length === 0);
  if (silentEof && transport.api === "node:net") {
    notes.push(
      "An EOF with no read() = 0 under it: after a short read, libuv took the hang-up that epoll " +
        "reported (POLLHUP) as EOF and skipped that read(); that is why EOF is drawn as Node's 'end' " +
        "event, not as a recv() call. — libuv src/unix/stream.c",
    );
  }
  return notes;
}
