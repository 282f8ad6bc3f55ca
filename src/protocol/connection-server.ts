// The server's half of a stream or seqpacket session, on one accepted Connection: send the welcome,
// read one message, send the ack, close. Like socketserver's BaseRequestHandler, it never learns
// which family it runs on; it reports each socket call it makes as it makes it.
//
// Three clocks guard it, as a server anyone can reach needs: an idle timeout (no byte for a while),
// a message deadline (a peer dripping one byte at a time is never idle), and a send timeout (a peer
// that never reads would leave a reply waiting for ever). The clocks belong to the server and are
// shared by its sessions (deadlines.ts). A session is one object with its state in fields: a server
// holding 10,000 idle sessions keeps 10,000 of them, not a closure per handler for each.
import { OpError } from "../errors.js";
import { type CallRecord, eofCall, preview, readCall, type Trace } from "../trace/events.js";
import type { Connection, ConnectionHandlers, TransportName } from "../transports/transport.js";
import { Deadline, Deadlines } from "./deadlines.js";
import { formatMessageEnd } from "./message-end.js";
import { MessageReader, type ReadResult } from "./message-reader.js";
import type { ProtocolOptions } from "./messages.js";

/** How a session ended, for the close event and the server's count. */
export type SessionOutcome = "acked" | "peer-closed" | "timeout" | "too-long" | "error";

/** One of a session's deadlines. */
class SessionDeadline extends Deadline {
  constructor(readonly session: StreamSession) {
    super();
  }
}

/** One reply on its way; its send timeout runs until the kernel has taken it. */
class PendingSend extends SessionDeadline {
  timedOut = false;
}

/** The clocks of every session on one server: one timer per kind of deadline, not per session. */
export class SessionClocks {
  readonly idle: Deadlines<SessionDeadline>;
  readonly message: Deadlines<SessionDeadline>;
  /** Only where the message-end rule has a pause. */
  readonly pause: Deadlines<SessionDeadline> | undefined;
  readonly send: Deadlines<PendingSend>;
  readonly linger: Deadlines<SessionDeadline>;

  constructor(options: ProtocolOptions) {
    this.idle = new Deadlines(options.idleTimeout * 1000, ({ session }) =>
      session.stop("timeout", `no byte for ${options.idleTimeout} s`),
    );
    this.message = new Deadlines(options.messageTimeout * 1000, ({ session }) =>
      session.stop("timeout", `no whole message in ${options.messageTimeout} s`),
    );
    const { pauseMs } = options.messageEnd;
    this.pause =
      pauseMs === undefined ? undefined : new Deadlines(pauseMs, ({ session }) => session.paused());
    this.send = new Deadlines(options.sendTimeout * 1000, (pending) => pending.session.sendTimedOut(pending));
    // A peer that never closes its side after our FIN is not allowed to hold the socket for ever.
    this.linger = new Deadlines(options.idleTimeout * 1000, ({ session }) => session.connection.destroy());
  }
}

export function serveConnection(
  connection: Connection,
  session: number,
  transport: { name: TransportName; preservesBoundaries: boolean },
  options: ProtocolOptions,
  trace: Trace,
  clocks: SessionClocks, // the server's, shared by all its sessions
): Promise<SessionOutcome> {
  return new Promise((resolve) => {
    new StreamSession(connection, session, transport, options, trace, clocks, resolve).start();
  });
}

/** One session; the connection calls its data(), end() and close() (ConnectionHandlers). */
class StreamSession implements ConnectionHandlers {
  private readonly reader: MessageReader;
  private outcome: SessionOutcome | undefined;
  private reason: string | undefined; // what ended it, when it was a limit
  private reading = true; // until the one message of this session is complete
  private closed = false;
  private readonly idle = new SessionDeadline(this);
  private readonly deadline = new SessionDeadline(this);
  // Most sessions never pause mid-message or linger: these two are made when first needed.
  private pause: SessionDeadline | undefined;
  private linger: SessionDeadline | undefined;

  constructor(
    readonly connection: Connection,
    private readonly session: number,
    private readonly transport: { name: TransportName; preservesBoundaries: boolean },
    private readonly options: ProtocolOptions,
    private readonly trace: Trace,
    private readonly clocks: SessionClocks,
    private readonly resolve: (outcome: SessionOutcome) => void,
  ) {
    this.reader = new MessageReader(
      transport.preservesBoundaries,
      options.maxMessageBytes,
      options.messageEnd,
    );
  }

  start(): void {
    // accept() ran in the kernel before Node's 'connection' event told us about the new socket.
    this.call({ call: "accept", inferred: true, via: "'connection' event" });
    // The clocks first: a connection may hand over events that came early as soon as it has handlers.
    this.clocks.message.start(this.deadline);
    this.clocks.idle.start(this.idle);
    this.connection.setHandlers(this);
    void this.send(this.options.welcome);
  }

  data(chunk: Buffer): void {
    this.call(readCall(chunk));
    if (!this.reading) return; // one message per session; later bytes are not read
    this.clocks.idle.start(this.idle); // starts it over
    this.onRead(this.reader.push(chunk));
    if (this.reading && this.clocks.pause) {
      this.pause ??= new SessionDeadline(this);
      this.clocks.pause.start(this.pause); // starts it over
    }
  }

  end(): void {
    this.call(eofCall("client"));
    if (!this.reading) return;
    const result = this.reader.finish("eof");
    if (result.kind === "more") this.stop("peer-closed");
    else this.onRead(result);
  }

  close(err?: OpError): void {
    this.closed = true;
    if (this.linger) this.clocks.linger.stop(this.linger);
    if (err) this.call({ call: "recv", inferred: true, errno: err.code, message: err.message });
    if (!this.outcome) this.stop(err ? "error" : "peer-closed");
    const final = this.outcome ?? "peer-closed";
    const { reason } = this;
    this.call({
      call: "close",
      inferred: true,
      via: "'close' event",
      detail: reason ? `${final}: ${reason}` : final,
    });
    this.resolve(final);
  }

  /** The stream fell quiet mid-message for the rule's pause: what has arrived is the message. */
  paused(): void {
    this.onRead(this.reader.finish("pause"));
  }

  stop(result: SessionOutcome, why?: string): void {
    if (this.outcome) return;
    this.outcome = result;
    this.reason = why;
    this.stopReading();
    if (result === "acked" || result === "too-long") {
      // A graceful close: our FIN after the reply; the linger clock waits for the peer's.
      this.call({ call: "shutdown", inferred: false, via: "socket.end()", detail: "SHUT_WR" });
      this.connection.end();
      this.linger ??= new SessionDeadline(this);
      this.clocks.linger.start(this.linger);
    } else {
      this.connection.destroy();
    }
  }

  sendTimedOut(pending: PendingSend): void {
    pending.timedOut = true;
    if (this.closed) return;
    const hint = `the peer read nothing for ${this.options.sendTimeout} s`;
    this.sendFailed(new OpError("send", this.transport.name, this.connection.remote, "ETIMEDOUT", hint));
  }

  private call(record: Omit<CallRecord, "side" | "session" | "local" | "remote">): void {
    if (!record.errno && !this.trace.wants(record.call)) return;
    const { session, connection } = this;
    this.trace({ side: "server", session, local: connection.local, remote: connection.remote, ...record });
  }

  private stopReading(): void {
    this.reading = false;
    this.clocks.idle.stop(this.idle);
    this.clocks.message.stop(this.deadline);
    if (this.pause) this.clocks.pause?.stop(this.pause);
  }

  private onRead(result: ReadResult): void {
    if (!this.reading || result.kind === "more") return;
    this.stopReading();
    if (result.kind === "message") {
      if (result.endedBy !== "record" && this.trace.wants("message-end")) {
        const rule = formatMessageEnd(this.options.messageEnd);
        this.call({ call: "message-end", inferred: false, detail: result.endedBy, rule });
      }
      void this.send(this.options.ack).then((sent) => sent && this.stop("acked"));
    } else {
      const line = Buffer.from(`error: message longer than ${result.limit} bytes\n`);
      void this.send(line).then((sent) => sent && this.stop("too-long"));
    }
  }

  /** Whether the kernel took all of `data` in time. */
  private async send(data: Buffer): Promise<boolean> {
    if (this.trace.wants("send")) {
      this.call({
        call: "send",
        inferred: false,
        via: "socket.write()",
        bytes: data.length,
        preview: preview(data),
      });
    }
    const pending = new PendingSend(this);
    this.clocks.send.start(pending);
    try {
      await this.connection.write(data);
      return !pending.timedOut;
    } catch (err) {
      if (!pending.timedOut) this.sendFailed(err as OpError);
      return false;
    } finally {
      this.clocks.send.stop(pending);
    }
  }

  private sendFailed(failure: OpError): void {
    this.call({ call: "send", inferred: false, errno: failure.code, message: failure.message });
    this.stop(failure.code === "ETIMEDOUT" ? "timeout" : "error", failure.hint);
  }
}
