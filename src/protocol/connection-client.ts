// The client's half of a stream or seqpacket session: connect, read the welcome, send the message,
// read the ack, close — the classic lab's client, which never learns its family.
import { OpError } from "../errors.js";
import { type CallRecord, eofEvent, preview, readCall, type Trace } from "../trace/events.js";
import type { Connection, ConnectionTransport } from "../transports/transport.js";
import { DEFAULT_PAUSE_MS, type MessageEnd } from "./message-end.js";
import { MessageReader, type ReadResult } from "./message-reader.js";

export interface ClientOptions {
  message: Buffer;
  /** Seconds to wait for each reply before giving up. */
  timeout: number;
}

export interface ClientResult {
  welcome: Buffer;
  ack: Buffer;
}

export async function runConnectionClient(
  transport: ConnectionTransport,
  server: string,
  options: ClientOptions,
  trace: Trace,
): Promise<ClientResult> {
  const connection = await transport.dial(server, trace);
  const call = (record: Omit<CallRecord, "side" | "local" | "remote">) =>
    trace({ side: "client", local: connection.local, remote: server, ...record });
  const replies = new Replies(connection, transport, server, options.timeout, call);
  try {
    // The first recv() is the welcome, as in the lab (recv(1024)).
    const welcome = await replies.next("welcome");
    const { message } = options;
    call({
      call: "send",
      inferred: false,
      via: "socket.write()",
      bytes: message.length,
      preview: preview(message),
    });
    await connection.write(message);
    // On a stream, shutdown(SHUT_WR) tells the server the message is complete (there are no
    // boundaries); a seqpacket record is complete by itself, so its socket is shut after the ack.
    const shutdown = () => {
      call({ call: "shutdown", inferred: false, via: "socket.end()", detail: "SHUT_WR" });
      connection.end();
    };
    if (!transport.preservesBoundaries) shutdown();
    const ack = await replies.next("ack");
    if (transport.preservesBoundaries) shutdown();
    await replies.closed;
    return { welcome, ack };
  } catch (err) {
    if (err instanceof OpError)
      call({
        call: err.op === "send" ? "send" : "recv",
        inferred: false,
        errno: err.code,
        message: err.message,
      });
    connection.destroy();
    throw err;
  }
}

/**
 * How the client tells where a stream's ack ends: a newline, the server's EOF (our server shuts down
 * right after the ack), or a pause, so that a server that sends a bare ack and waits is served too.
 */
const ACK_END: MessageEnd = { recv: false, newline: true, pauseMs: DEFAULT_PAUSE_MS };

/**
 * Replies as they come. On a seqpacket socket each record is one reply. On a stream the welcome is the
 * first read, as in the lab (recv(1024)); the ack is read by ACK_END.
 */
class Replies {
  private records: Buffer[] = [];
  private reads = 0;
  private readonly tail = new MessageReader(false, Number.MAX_SAFE_INTEGER, ACK_END);
  private ended = false;
  private failure: OpError | undefined;
  private wake: (() => void) | undefined;
  readonly closed: Promise<void>;

  constructor(
    connection: Connection,
    private readonly transport: ConnectionTransport,
    private readonly server: string,
    private readonly timeout: number,
    call: (record: Omit<CallRecord, "side" | "local" | "remote">) => void,
  ) {
    let markClosed!: () => void;
    this.closed = new Promise((resolve) => {
      markClosed = resolve;
    });
    connection.setHandlers({
      data: (chunk) => {
        call(readCall(chunk));
        if (transport.preservesBoundaries || this.reads++ === 0) this.records.push(chunk);
        else this.pushTail(this.tail.push(chunk));
        this.wake?.();
      },
      end: () => {
        call(eofEvent("server", undefined, transport.preservesBoundaries));
        this.ended = true;
        this.pushTail(this.tail.finish("eof"));
        this.wake?.();
      },
      close: (err) => {
        call({ call: "close", inferred: true, via: "'close' event" });
        this.ended = true;
        this.failure = err;
        markClosed();
        this.wake?.();
      },
    });
  }

  private pushTail(result: ReadResult) {
    if (result.kind === "message") this.records.push(result.message);
  }

  async next(what: "welcome" | "ack"): Promise<Buffer> {
    const deadline = Date.now() + this.timeout * 1000;
    for (;;) {
      const reply = this.records.shift();
      if (reply) return reply;
      if (this.failure) throw this.failure;
      if (this.ended) {
        throw new OpError(
          "recv",
          this.transport.name,
          this.server,
          "ECONNRESET",
          `the server closed before the ${what}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new OpError(
          "recv",
          this.transport.name,
          this.server,
          "ETIMEDOUT",
          `no ${what} within ${this.timeout} s`,
        );
      }
      // With part of a stream ack in hand, a pause ends it.
      const pausing = this.tail.buffered > 0;
      let paused = false;
      await new Promise<void>((resolve) => {
        const wait = pausing ? Math.min(left, ACK_END.pauseMs ?? DEFAULT_PAUSE_MS) : left;
        const timer = setTimeout(() => {
          paused = pausing;
          resolve();
        }, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (paused) this.pushTail(this.tail.finish("pause"));
    }
  }
}
