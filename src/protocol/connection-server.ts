// The server's half of a stream or seqpacket session, on one accepted Connection: send the welcome,
// read one message, send the ack, close. Like socketserver's BaseRequestHandler, it never learns
// which family it runs on; it reports each socket call it makes as it makes it.
//
// Three clocks guard it, as a server anyone can reach needs: an idle timeout (no byte for a while),
// a message deadline (a peer dripping one byte at a time is never idle), and a send timeout (a peer
// that never reads would leave a reply waiting for ever).
import { OpError } from "../errors.js";
import { type CallRecord, eofCall, preview, readCall, type Trace } from "../trace/events.js";
import type { Connection, TransportName } from "../transports/transport.js";
import { MessageReader, type ReadResult, STREAM_SETTLE_MS } from "./message-reader.js";
import type { ProtocolOptions } from "./messages.js";

/** How a session ended, for the close event and the server's count. */
export type SessionOutcome = "acked" | "peer-closed" | "timeout" | "too-long" | "error";

export function serveConnection(
  connection: Connection,
  session: number,
  transport: { name: TransportName; preservesBoundaries: boolean },
  options: ProtocolOptions,
  trace: Trace,
): Promise<SessionOutcome> {
  const { local, remote } = connection;
  const call = (record: Omit<CallRecord, "side" | "session" | "local" | "remote">) =>
    trace({ side: "server", session, local, remote, ...record });
  // accept() ran in the kernel before Node's 'connection' event told us about the new socket.
  call({ call: "accept", inferred: true, via: "'connection' event" });
  const reader = new MessageReader(transport.preservesBoundaries, options.maxMessageBytes);

  return new Promise((resolve) => {
    let outcome: SessionOutcome | undefined;
    let reason: string | undefined; // what ended it, when it was a limit
    let reading = true; // until the one message of this session is complete
    let settle: NodeJS.Timeout | undefined;
    let idle: NodeJS.Timeout | undefined;
    const timeout = (why: string) => () => stop("timeout", why);
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(timeout(`no byte for ${options.idleTimeout} s`), options.idleTimeout * 1000);
    };
    const deadline = setTimeout(
      timeout(`no whole message in ${options.messageTimeout} s`),
      options.messageTimeout * 1000,
    );
    let linger: NodeJS.Timeout | undefined;

    const stop = (result: SessionOutcome, why?: string) => {
      if (outcome) return;
      outcome = result;
      reason = why;
      reading = false;
      for (const timer of [settle, idle, deadline]) clearTimeout(timer);
      if (result === "acked" || result === "too-long") {
        // A graceful close: our FIN after the reply. A peer that never closes its side is not
        // allowed to hold the socket half-open for ever.
        call({ call: "shutdown", inferred: false, via: "socket.end()", detail: "SHUT_WR" });
        connection.end();
        linger = setTimeout(() => connection.destroy(), options.idleTimeout * 1000);
      } else {
        connection.destroy();
      }
    };

    const send = async (data: Buffer): Promise<boolean> => {
      call({
        call: "send",
        inferred: false,
        via: "socket.write()",
        bytes: data.length,
        preview: preview(data),
      });
      let timer: NodeJS.Timeout | undefined;
      const given = new Promise<never>((_, reject) => {
        const hint = `the peer read nothing for ${options.sendTimeout} s`;
        timer = setTimeout(
          () => reject(new OpError("send", transport.name, remote, "ETIMEDOUT", hint)),
          options.sendTimeout * 1000,
        );
      });
      try {
        await Promise.race([connection.write(data), given]);
        return true;
      } catch (err) {
        const failure = err as OpError;
        call({ call: "send", inferred: false, errno: failure.code, message: failure.message });
        stop(failure.code === "ETIMEDOUT" ? "timeout" : "error", failure.hint);
        return false;
      } finally {
        clearTimeout(timer);
      }
    };

    const onRead = (result: ReadResult) => {
      if (!reading || result.kind === "more") return;
      reading = false;
      for (const timer of [settle, idle, deadline]) clearTimeout(timer);
      if (result.kind === "message") {
        void send(options.ack).then((sent) => sent && stop("acked"));
      } else {
        const line = Buffer.from(`error: message longer than ${result.limit} bytes\n`);
        void send(line).then((sent) => sent && stop("too-long"));
      }
    };

    connection.setHandlers({
      data(chunk) {
        call(readCall(chunk));
        if (!reading) return; // one message per session; later bytes are not read
        resetIdle();
        onRead(reader.push(chunk));
        if (reading) {
          clearTimeout(settle);
          settle = setTimeout(() => onRead(reader.finish()), STREAM_SETTLE_MS);
        }
      },
      end() {
        call(eofCall("client"));
        if (!reading) return;
        const result = reader.finish();
        if (result.kind === "more") stop("peer-closed");
        else onRead(result);
      },
      close(err) {
        clearTimeout(linger);
        if (err) call({ call: "recv", inferred: true, errno: err.code, message: err.message });
        if (!outcome) stop(err ? "error" : "peer-closed");
        const final = outcome ?? "peer-closed";
        call({
          call: "close",
          inferred: true,
          via: "'close' event",
          detail: reason ? `${final}: ${reason}` : final,
        });
        resolve(final);
      },
    });

    resetIdle();
    void send(options.welcome);
  });
}
