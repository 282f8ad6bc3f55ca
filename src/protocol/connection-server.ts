// The server's half of a stream or seqpacket session, on one accepted Connection: send the welcome,
// read one message, send the ack, close. Like socketserver's BaseRequestHandler, it never learns
// which family it runs on; it reports each socket call it makes as it makes it.
//
// Three clocks guard it, as a server anyone can reach needs: an idle timeout (no byte for a while),
// a message deadline (a peer dripping one byte at a time is never idle), and a send timeout (a peer
// that never reads would leave a reply waiting for ever). The clocks belong to the server and are
// shared by its sessions (deadlines.ts). A session is one object with its state in fields: a server
// holding 10,000 idle sessions keeps 10,000 of them, not a closure per handler for each.
import { DeadlineError, type OpError } from "../errors.js";
import {
  AFTER_MESSAGE,
  type CallRecord,
  eofEvent,
  failureRecord,
  preview,
  readCall,
  refusedWith,
  type Trace,
} from "../trace/events.js";
import { type Api, madeBy } from "../transports/facts.js";
import type { Connection, ConnectionHandlers, TransportName, WriteWaiter } from "../transports/transport.js";
import { Deadline, Deadlines } from "./deadlines.js";
import { formatMessageEnd } from "./message-end.js";
import { MessageReader, MORE, type ReadResult } from "./message-reader.js";
import type { ProtocolOptions } from "./messages.js";

/** One of a session's calls, before the session adds who made it and on which socket. */
type SessionRecord = Omit<CallRecord, "side" | "session" | "local" | "remote" | "requested">;

/** How a session ended, for the close event and the server's count. */
export type SessionOutcome = "acked" | "peer-closed" | "timeout" | "too-long" | "error";

/** How a session ends once its answer to `result` (a message, or one too long) has gone. */
function outcomeOf(result: ReadResult): SessionOutcome {
  return result.kind === "message" ? "acked" : "too-long";
}

/** One of a session's deadlines. */
class SessionDeadline extends Deadline {
  constructor(readonly session: StreamSession) {
    super();
  }
}

/** A reply the kernel did not take whole at once: its send timeout runs until it has all gone. */
class PendingSend extends SessionDeadline implements WriteWaiter {
  timedOut = false;

  constructor(
    session: StreamSession,
    /** How the session ends once it has gone; undefined: it goes on (the welcome). */
    readonly then: SessionOutcome | undefined,
  ) {
    super(session);
  }

  written(err?: OpError): void {
    if (err) this.session.notWritten(this, err);
    else this.session.written(this);
  }
}

/** Which of a session's successful calls the trace shows (Trace.wants). */
interface Shown {
  accept: boolean;
  recv: boolean;
  send: boolean;
  messageEnd: boolean;
  shutdown: boolean;
  eof: boolean;
  close: boolean;
}

/**
 * What every session on one server shares: its clocks, one timer per kind of deadline and not one
 * per session; and which of its calls the trace shows, asked once here and not several times a
 * session. A session takes the time of a call only where the call is shown: a clock read costs
 * about 50 ns on these machines, and Node checks performance.now()'s receiver on every call.
 */
export class SessionsShared {
  readonly shown: Shown;
  readonly idle: Deadlines<SessionDeadline>;
  readonly message: Deadlines<SessionDeadline>;
  /** Only where the message-end rule has a pause. */
  readonly pause: Deadlines<SessionDeadline> | undefined;
  readonly send: Deadlines<PendingSend>;
  readonly linger: Deadlines<SessionDeadline>;

  constructor(options: ProtocolOptions, trace: Trace) {
    this.shown = {
      accept: trace.wants("accept"),
      recv: trace.wants("recv"),
      send: trace.wants("send"),
      messageEnd: trace.wants("message-end"),
      shutdown: trace.wants("shutdown"),
      eof: trace.wants("eof"),
      close: trace.wants("close"),
    };
    this.idle = new Deadlines(options.idleTimeout * 1000, ({ session }) =>
      session.gaveUp(`no byte for ${options.idleTimeout} s`),
    );
    this.message = new Deadlines(options.messageTimeout * 1000, ({ session }) =>
      session.gaveUp(`no whole message in ${options.messageTimeout} s`),
    );
    const { pauseMs } = options.messageEnd;
    this.pause =
      pauseMs === undefined ? undefined : new Deadlines(pauseMs, ({ session }) => session.paused());
    this.send = new Deadlines(options.sendTimeout * 1000, (pending) => pending.session.sendTimedOut(pending));
    // A peer that never closes its side after our FIN is not allowed to hold the socket for ever.
    this.linger = new Deadlines(options.idleTimeout * 1000, ({ session }) => session.connection.destroy());
  }
}

/** Serve one session on `connection`; `ended` is called once, with how it ended, when its socket has closed. */
export function serveConnection(
  connection: Connection,
  session: number,
  transport: { name: TransportName; preservesBoundaries: boolean; api: Api },
  options: ProtocolOptions,
  trace: Trace,
  shared: SessionsShared, // the server's, shared by all its sessions
  ended: (outcome: SessionOutcome) => void,
): void {
  // A callback, not a promise: see send().
  new StreamSession(connection, session, transport, options, trace, shared, ended).start();
}

/** One session; the connection calls its data(), end() and close() (ConnectionHandlers). */
class StreamSession implements ConnectionHandlers {
  private readonly reader: MessageReader;
  private outcome: SessionOutcome | undefined;
  private reason: string | undefined; // what ended it, when it was a limit
  private refusal: string | undefined; // set when the server gave up waiting for the message
  private reading = true; // until the one message of this session is complete
  private closed = false;
  /** Bytes the peer sent after its message: read (the socket must be drained), counted, dropped. */
  private discarded = 0;
  private readonly idle = new SessionDeadline(this);
  private readonly deadline = new SessionDeadline(this);
  // Most sessions never pause mid-message: this one is made when first needed.
  private pause: SessionDeadline | undefined;
  /** The linger clock runs (stop()) on the idle deadline, which has stopped with the reading. */
  private lingering = false;
  // The one answer (answer()): when it was written, whether the kernel took it whole there and then,
  // and when our side was shut down behind it.
  private answeredAt = 0;
  private answerLeft = false;
  private shutAt = 0;
  private shutVia = ""; // what made the shutdown: Connection.end() says

  constructor(
    readonly connection: Connection,
    private readonly session: number,
    private readonly transport: { name: TransportName; preservesBoundaries: boolean; api: Api },
    private readonly options: ProtocolOptions,
    private readonly trace: Trace,
    private readonly shared: SessionsShared,
    private readonly ended: (outcome: SessionOutcome) => void,
  ) {
    this.reader = new MessageReader(
      transport.preservesBoundaries,
      options.maxMessageBytes,
      options.messageEnd,
    );
  }

  // The peer waits for the welcome and the ack, not for our bookkeeping: each reply is written as
  // soon as it is due, and the calls around it are reported afterwards, each at the time it was made.

  start(): void {
    const { shown } = this.shared;
    const accepted = shown.accept ? this.trace.now() : 0;
    // The clocks first: a connection may hand over events that came early as soon as it has handlers.
    const now = Deadlines.now();
    this.shared.message.start(this.deadline, now);
    this.shared.idle.start(this.idle, now);
    const { welcome } = this.options;
    const sentAt = shown.send ? this.trace.now() : 0;
    this.send(welcome);
    if (shown.accept) {
      // accept() ran in the kernel before Node's 'connection' event told us about the new socket.
      const { inferred, via } = madeBy(this.transport.api, "'connection' event", "socket.accept()");
      this.call({ t: accepted, call: "accept", inferred, via });
    }
    this.reportSend(welcome, sentAt);
    // The peer's address is learned now, while the socket is open, so a failure can name it later.
    void this.connection.remote;
    this.connection.setHandlers(this);
  }

  data(chunk: Buffer): void {
    const { recv } = this.shared.shown;
    const at = recv ? this.trace.now() : 0;
    if (!this.reading) {
      // One message per session: the rest is read and dropped, and the close says how much.
      this.discarded += chunk.length;
      // A flood lands here: its record (and preview) is built only where a view shows recv().
      if (recv) this.call(readCall(this.transport.api, chunk, at, AFTER_MESSAGE));
      return;
    }
    const result = this.reader.push(chunk);
    const reply = this.answer(result);
    if (recv) this.call(readCall(this.transport.api, chunk, at));
    if (reply) this.reportAnswer(result, reply);
    else if (this.reading) this.heard();
  }

  /** A piece of the message came: the idle clock, and the rule's pause if it has one, start over. */
  private heard(): void {
    this.shared.idle.start(this.idle);
    if (this.shared.pause) {
      this.pause ??= new SessionDeadline(this);
      this.shared.pause.start(this.pause);
    }
  }

  end(): void {
    const { eof } = this.shared.shown;
    // Still reading, an EOF ends the message or refuses the session, and that is always said.
    const at = eof || this.reading ? this.trace.now() : 0;
    const result = this.reading ? this.reader.finish("eof") : MORE;
    const reply = this.answer(result);
    // Built only where a view shows it: most sessions end with the peer's EOF.
    if ((reply || !this.reading) && eof) this.call(eofEvent("client", at));
    if (reply) this.reportAnswer(result, reply);
    else if (this.reading) {
      // EOF before any message: nothing to answer, and the server's output says so.
      const refusal = "EOF before any message: closed without an answer";
      this.call({ ...eofEvent("client", at), refusal });
      this.stop("peer-closed");
    }
  }

  close(err?: OpError): void {
    this.closed = true;
    if (this.lingering) this.shared.linger.stop(this.idle);
    if (err) this.call({ call: "recv", inferred: true, errno: err.code, message: err.message });
    if (!this.outcome) this.stop(err ? "error" : "peer-closed");
    const final = this.outcome ?? "peer-closed";
    const { reason, discarded, refusal } = this;
    // A refusal, and the bytes discarded after the message, are traced even where closes are not
    // shown: the lab's lines say both.
    if (this.shared.shown.close || refusal || discarded > 0) {
      const detail = reason ? `${final}: ${reason}` : final;
      const { inferred, via } = madeBy(this.transport.api, "'close' event", "socket.close()");
      this.call({
        call: "close",
        inferred,
        via,
        detail,
        refusal,
        discarded: discarded > 0 ? discarded : undefined,
      });
    }
    this.ended(final);
  }

  /** The stream fell quiet mid-message for the rule's pause: what has arrived is the message. */
  paused(): void {
    const result = this.reader.finish("pause");
    const reply = this.answer(result);
    if (reply) this.reportAnswer(result, reply);
  }

  /** A limit ran out before the message was whole: the session ends with no answer, and says so. */
  gaveUp(why: string): void {
    if (!this.outcome) this.refusal = `closed without an answer: ${why}`;
    this.stop("timeout", why);
  }

  stop(result: SessionOutcome, why?: string): void {
    if (this.outcome) return;
    this.outcome = result;
    this.reason = why;
    this.stopReading();
    if (result === "acked" || result === "too-long") {
      // A graceful close: our FIN went right behind the reply (answer()); the linger clock waits for
      // the peer's.
      this.lingering = true;
      this.shared.linger.start(this.idle);
    } else {
      this.connection.destroy();
    }
  }

  sendTimedOut(pending: PendingSend): void {
    pending.timedOut = true;
    if (this.closed) return;
    const hint = `the peer read nothing for ${this.options.sendTimeout} s`;
    this.sendFailed(new DeadlineError("send", this.transport.name, this.connection.remote, hint));
  }

  /**
   * Put one of this session's calls on the trace: the caller has asked whether the trace shows it
   * (shared.shown), or it is a failure, a refusal, or the close that says what was discarded, which
   * are traced however quiet the view (the sink decides what it prints of them). The record is built
   * field by field: spreading the session's fields and records of a dozen shapes into one object
   * made V8 build a new hidden class for most of them, and that (with the cache misses and garbage
   * it made) was about a tenth of what a short session cost the server (perf, 32 lab clients).
   */
  private call(record: SessionRecord): void {
    const { session, connection } = this;
    this.trace({
      t: record.t,
      side: "server",
      session,
      call: record.call,
      inferred: record.inferred,
      via: record.via,
      local: connection.local,
      remote: connection.remote,
      bytes: record.bytes,
      preview: record.preview,
      detail: record.detail,
      discarded: record.discarded,
      refusal: record.refusal,
      errno: record.errno,
      message: record.message,
      rule: record.rule,
    });
  }

  private stopReading(): void {
    this.reading = false;
    this.shared.idle.stop(this.idle);
    this.shared.message.stop(this.deadline);
    if (this.pause) this.shared.pause?.stop(this.pause);
  }

  /**
   * A message is complete, or too long: stop reading, write the reply now, and shut down our side
   * right behind it, as the lab's server closes after its send(). end() sends the FIN once the reply
   * has left, so a client that reads the ack and closes usually finds it there already.
   */
  private answer(result: ReadResult): Buffer | undefined {
    if (!this.reading || result.kind === "more") return undefined;
    this.stopReading();
    const reply =
      result.kind === "message"
        ? this.options.ack
        : Buffer.from(`error: message longer than ${result.limit} bytes\n`);
    const { shown } = this.shared;
    // Its send() is said where sends are shown, or where it is a refusal; a message-end before it.
    const said = shown.send || shown.messageEnd || result.kind === "too-long";
    this.answeredAt = said ? this.trace.now() : 0;
    this.answerLeft = this.send(reply, outcomeOf(result));
    this.shutAt = shown.shutdown ? this.trace.now() : 0;
    this.shutVia = this.connection.end();
    return reply;
  }

  /**
   * What answer() did, on the trace: the end of the message (on a stream), then the reply's send();
   * and, where the kernel took the reply whole at once, the session goes on to its end.
   */
  private reportAnswer(result: ReadResult, reply: Buffer): void {
    const t = this.answeredAt;
    if (result.kind === "message" && result.endedBy !== "record" && this.shared.shown.messageEnd) {
      const rule = formatMessageEnd(this.options.messageEnd); // only where a view shows it
      this.call({ t, call: "message-end", inferred: false, detail: result.endedBy, rule });
    }
    this.reportSend(reply, t, result.kind === "too-long");
    if (this.answerLeft) this.answered(outcomeOf(result));
  }

  /**
   * Write `data` now: true when the kernel took it whole there and then (nearly always: a short reply
   * to a peer that reads). Otherwise it waits under the send timeout, and the session ends with `then`
   * once it has gone. No promise, no callback, and mostly no object: two replies a session, and each
   * was a measurable part of a short session's cost.
   */
  private send(data: Buffer, then?: SessionOutcome): boolean {
    if (this.connection.writeNow(data)) return true;
    const pending = new PendingSend(this, then);
    this.shared.send.start(pending);
    this.connection.whenWritten(pending);
    return false;
  }

  /** A reply that waited has gone: the kernel has all of it. */
  written(pending: PendingSend): void {
    this.shared.send.stop(pending);
    if (!pending.timedOut && pending.then) this.answered(pending.then);
  }

  /** The answer has gone, and the session ends with `outcome`. */
  private answered(outcome: SessionOutcome): void {
    // The FIN left behind the reply only now that the reply has: a reply that never left has none.
    // (Every answer() shut our side down before it got here.)
    if (this.shared.shown.shutdown) {
      const t = this.shutAt;
      this.call({ t, call: "shutdown", inferred: false, via: this.shutVia, detail: "SHUT_WR" });
    }
    this.stop(outcome);
  }

  /** A reply that waited did not go: failed, or dropped with its socket (then the close said it all). */
  notWritten(pending: PendingSend, failure: OpError): void {
    this.shared.send.stop(pending);
    if (!pending.timedOut && !this.closed) this.sendFailed(failure);
  }

  private reportSend(data: Buffer, writtenAt: number, refused = false): void {
    // The error line for a message too long is a refusal: shown even where sends are not.
    const refusal = refused ? refusedWith(data) : undefined;
    if (!refusal && !this.shared.shown.send) return;
    const bytes = data.length;
    this.call({
      t: writtenAt,
      call: "send",
      inferred: false,
      via: "socket.write()",
      bytes,
      preview: preview(data),
      refusal,
    });
  }

  private sendFailed(failure: OpError): void {
    this.call(failureRecord(failure, "send"));
    this.stop(failure.code === "ETIMEDOUT" ? "timeout" : "error", failure.hint);
  }
}
