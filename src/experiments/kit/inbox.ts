// A datagram socket's inbox: what it received and from whom, each datagram recorded on the ladder as
// it comes; and our own sends on a transport's datagram socket, which the transports leave to the
// protocol and so do not record.
import { preview } from "../../trace/events.js";
import type { DatagramSocket, Side } from "../../transports/transport.js";
import type { ExperimentContext } from "../experiment.js";

/** What a datagram socket has received so far, each datagram recorded on the trace as it comes. */
export class Inbox {
  readonly texts: string[] = [];
  /** Who sent each of them, as recvfrom() said. */
  readonly senders: string[] = [];
  /** Asynchronous errors ('error' events), as errno names. */
  readonly errors: string[] = [];
  #waiting = new Set<() => void>();

  constructor(
    private readonly context: ExperimentContext,
    private readonly side: Side,
  ) {}

  message(data: Buffer, from: string): void {
    const [text, bytes] = [data.toString(), data.length];
    this.context.trace({
      side: this.side,
      call: "recvfrom",
      inferred: true,
      via: "'message' event",
      remote: from,
      bytes,
      preview: preview(data),
    });
    this.texts.push(text);
    this.senders.push(from);
    this.#changed();
  }

  /** An error the socket reported later, as Node does: from the recvmsg() it keeps waiting in. */
  error(code: string): void {
    this.context.trace({
      side: this.side,
      call: "recv",
      inferred: true,
      via: "'error' event",
      errno: code,
      message: `recvmsg() ${code}`,
    });
    this.errors.push(code);
    this.#changed();
  }

  has(text: string): boolean {
    return this.texts.includes(text);
  }

  /** Resolves true as soon as `done()` holds, false if it still does not after `ms`. */
  until(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), ms);
      const finish = (held: boolean) => {
        clearTimeout(timer);
        this.#waiting.delete(check);
        resolve(held);
      };
      this.#waiting.add(check);
    });
  }

  #changed(): void {
    for (const check of [...this.#waiting]) check();
  }
}

/** An Inbox fed by a transport's datagram socket. */
export function inboxOf(socket: DatagramSocket, context: ExperimentContext, side: Side): Inbox {
  const inbox = new Inbox(context, side);
  socket.setHandlers({
    message: (data, from) => inbox.message(data, from),
    error: (err) => inbox.error(err.code),
  });
  return inbox;
}

/** sendto() on a transport's datagram socket, recorded on the trace (the transports leave sends to the protocol). */
export async function sendText(
  context: ExperimentContext,
  side: Side,
  socket: DatagramSocket,
  text: string,
  to: string,
): Promise<void> {
  const data = Buffer.from(text);
  const call = socket.connected ? "send" : "sendto";
  const record = {
    side,
    call,
    inferred: false,
    via: "socket.send()",
    local: socket.local,
    remote: to,
  } as const;
  context.trace({ ...record, bytes: data.length, preview: preview(data) });
  try {
    await socket.send(data, to);
  } catch (err) {
    context.trace({ ...record, errno: (err as { code?: string }).code, message: (err as Error).message });
    throw err;
  }
}
