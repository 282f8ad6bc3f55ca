// The client's half of a stream or seqpacket session: connect, read the welcome, send the message,
// read the ack, close — the classic lab's client, which never learns its family.
import { DeadlineError, OpError } from "../errors.js";
import { type CallRecord, eofEvent, failureRecord, preview, readCall, type Trace } from "../trace/events.js";
import { madeBy } from "../transports/facts.js";
import type { Connection, ConnectionTransport } from "../transports/transport.js";
import { DEFAULT_PAUSE_MS, type MessageEnd } from "./message-end.js";
import { MessageReader, type ReadResult } from "./message-reader.js";
import { checkAck, checkWelcome } from "./messages.js";

export interface ClientOptions {
  message: Buffer;
  /** Seconds the whole session may take, from connect() to the server's close. */
  timeout: number;
}

export interface ClientResult {
  welcome: Buffer;
  ack: Buffer;
}

/**
 * The most a reply may hold before it is over: the lab's replies are a few dozen bytes, and a server
 * that sends without end must not make the client hold gigabytes.
 */
const MAX_REPLY_BYTES = 64 * 1024;

export async function runConnectionClient(
  transport: ConnectionTransport,
  server: string,
  options: ClientOptions,
  trace: Trace,
): Promise<ClientResult> {
  // One deadline for the whole session: a server that never answers, or never closes, or that
  // sends without end, cannot keep the client longer than --timeout.
  const deadline = Date.now() + options.timeout * 1000;
  // A connect() still in progress at the deadline is abandoned, and it is connect() that failed: the
  // dial reports the reason given to abort() as its own failure.
  const giveUp = new AbortController();
  const connection = await withDeadline(transport.dial(server, trace, giveUp.signal), deadline, () => {
    const late = timedOut(transport, server, "no connection", options.timeout, "connect");
    giveUp.abort(late);
    return late;
  });
  const call = (record: Omit<CallRecord, "side" | "local" | "remote">) =>
    trace({ side: "client", local: connection.local, remote: server, ...record });
  const replies = new Replies(connection, transport, server, options, deadline, call);
  try {
    // The first recv() is the welcome, as in the lab (recv(1024)); a server that is full says so
    // instead, and there is no session to send a message in.
    const welcome = await replies.next("welcome");
    checkWelcome(welcome, transport.name, server);
    const { message } = options;
    // On the trace once the kernel has taken it: a write that fails is drawn as the failure it is.
    const sentAt = trace.now();
    await connection.write(message);
    call({
      t: sentAt,
      call: "send",
      inferred: false,
      via: "socket.write()",
      bytes: message.length,
      preview: preview(message),
    });
    // On a stream, shutdown(SHUT_WR) tells the server the message is complete (there are no
    // boundaries); a seqpacket record is complete by itself, so its socket is shut after the ack.
    const shutdown = () => {
      const t = trace.now();
      const via = connection.end();
      call({ t, call: "shutdown", inferred: false, via, detail: "SHUT_WR" });
    };
    if (!transport.preservesBoundaries) shutdown();
    const ack = await replies.next("ack");
    if (transport.preservesBoundaries) shutdown();
    checkAck(ack, transport.name, server);
    // The server's close, within what is left of the session; a server that never closes is left.
    if (!(await replies.closedBy(deadline))) connection.destroy();
    return { welcome, ack };
  } catch (err) {
    if (err instanceof OpError) call(failureRecord(err, err.op === "send" ? "send" : "recv"));
    connection.destroy();
    throw err;
  }
}

function timedOut(
  transport: ConnectionTransport,
  server: string,
  what: string,
  seconds: number,
  op: "connect" | "recv" = "recv",
): OpError {
  return new DeadlineError(op, transport.name, server, `${what} within ${seconds} s`);
}

/** `work`, or the error `late()` makes if `deadline` passes first. */
async function withDeadline<T>(work: Promise<T>, deadline: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The server closed cleanly (recv() returned 0) before a reply came: no errno, so the code says EOF.
 * An empty message is the usual reason, and it is said, since nothing else in the run shows it.
 */
function closedBefore(
  what: "welcome" | "ack",
  transport: ConnectionTransport,
  server: string,
  message: Buffer,
): OpError {
  const empty =
    what !== "ack" || message.length > 0
      ? ""
      : transport.preservesBoundaries
        ? " — the message was an empty record, which a server that reads with recv() cannot tell from EOF (both return 0); give --message at least one byte"
        : " — the message was empty, and on a stream that is no bytes at all: the server saw only EOF; give --message at least one byte";
  const hint = `the server closed the connection before the ${what}${empty}`;
  return new OpError("recv", transport.name, server, "EOF", hint);
}

/**
 * How the client tells where a stream's ack ends: a newline, the server's EOF (our server shuts down
 * right after the ack), or a pause, so that a server that sends a bare ack and waits is served too.
 */
const ACK_PAUSE_MS = DEFAULT_PAUSE_MS;
const ACK_END: MessageEnd = { recv: false, newline: true, pauseMs: ACK_PAUSE_MS };

/**
 * Replies as they come. On a seqpacket socket each record is one reply. On a stream the welcome is the
 * first read, as in the lab (recv(1024)); the ack is read by ACK_END.
 */
class Replies {
  private records: Buffer[] = [];
  private buffered = 0;
  private reads = 0;
  /** Replies handed out: after the welcome and the ack, what else comes is read and let go. */
  private taken = 0;
  private readonly tail = new MessageReader(false, MAX_REPLY_BYTES, ACK_END);
  private ended = false;
  private failure: OpError | undefined;
  private wake: (() => void) | undefined;
  private readonly closed: Promise<void>;

  constructor(
    private readonly connection: Connection,
    private readonly transport: ConnectionTransport,
    private readonly server: string,
    private readonly options: ClientOptions,
    private readonly deadline: number,
    call: (record: Omit<CallRecord, "side" | "local" | "remote">) => void,
  ) {
    let markClosed!: () => void;
    this.closed = new Promise((resolve) => {
      markClosed = resolve;
    });
    connection.setHandlers({
      data: (chunk) => {
        call(readCall(transport.api, chunk));
        if (this.taken >= 2 || this.failure) return;
        if (transport.preservesBoundaries || this.reads++ === 0) this.record(chunk);
        else this.pushTail(this.tail.push(chunk));
        this.wake?.();
      },
      end: () => {
        call(eofEvent("server"));
        this.ended = true;
        this.pushTail(this.tail.finish("eof"));
        this.wake?.();
      },
      close: (err) => {
        call({ call: "close", ...madeBy(transport.api, "'close' event", "socket.close()") });
        this.ended = true;
        this.failure ??= err;
        markClosed();
        this.wake?.();
      },
    });
  }

  /** A whole reply; more than MAX_REPLY_BYTES waiting ends the session. */
  private record(reply: Buffer): void {
    this.buffered += reply.length;
    if (this.buffered > MAX_REPLY_BYTES) this.tooMuch();
    else this.records.push(reply);
  }

  private pushTail(result: ReadResult) {
    if (result.kind === "message") this.record(result.message);
    else if (result.kind === "too-long") this.tooMuch();
  }

  private tooMuch(): void {
    const hint = `the server sent more than ${MAX_REPLY_BYTES} bytes without finishing a reply`;
    this.failure = new OpError("recv", this.transport.name, this.server, "EMSGSIZE", hint);
    this.connection.destroy();
  }

  /** Whether the server closed the connection before `deadline`. */
  closedBy(deadline: number): Promise<boolean> {
    return withDeadline(
      this.closed.then(() => true),
      deadline,
      () => new Error("late"),
    ).catch(() => false);
  }

  async next(what: "welcome" | "ack"): Promise<Buffer> {
    for (;;) {
      const reply = this.records.shift();
      if (reply) {
        this.taken++;
        this.buffered -= reply.length;
        return reply;
      }
      if (this.failure) throw this.failure;
      if (this.ended) throw closedBefore(what, this.transport, this.server, this.options.message);
      const left = this.deadline - Date.now();
      if (left <= 0) throw timedOut(this.transport, this.server, `no ${what}`, this.options.timeout);
      // With part of a stream ack in hand, a pause ends it.
      const pausing = this.tail.buffered > 0;
      let paused = false;
      await new Promise<void>((resolve) => {
        const wait = pausing ? Math.min(left, ACK_PAUSE_MS) : left;
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
