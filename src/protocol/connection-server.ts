// The server's half of a stream or seqpacket session, on one accepted Connection: send the welcome,
// read one message, send the ack, close. Like socketserver's BaseRequestHandler, it never learns
// which family it runs on; it reports each socket call it makes as it makes it.
import type { OpError } from "../errors.js";
import { type CallRecord, preview, type Trace } from "../trace/events.js";
import type { Connection } from "../transports/transport.js";
import { MessageReader, type ReadResult, STREAM_SETTLE_MS } from "./message-reader.js";
import type { ProtocolOptions } from "./messages.js";

/** How a session ended, for the close event and the server's count. */
export type SessionOutcome = "acked" | "peer-closed" | "timeout" | "too-long" | "error";

export function serveConnection(
  connection: Connection,
  session: number,
  preservesBoundaries: boolean,
  options: ProtocolOptions,
  trace: Trace,
): Promise<SessionOutcome> {
  const { local, remote } = connection;
  const call = (record: Omit<CallRecord, "side" | "session" | "local" | "remote">) =>
    trace({ side: "server", session, local, remote, ...record });
  // accept() ran in the kernel before Node's 'connection' event told us about the new socket.
  call({ call: "accept", inferred: true, via: "'connection' event" });
  const reader = new MessageReader(preservesBoundaries, options.maxMessageBytes);

  return new Promise((resolve) => {
    let outcome: SessionOutcome | undefined;
    let reading = true; // until the one message of this session is complete
    let settle: NodeJS.Timeout | undefined;
    let timer = setTimeout(() => stop("timeout"), options.idleTimeout * 1000);

    const stop = (result: SessionOutcome) => {
      if (outcome) return;
      outcome = result;
      reading = false;
      clearTimeout(settle);
      clearTimeout(timer);
      if (result === "acked" || result === "too-long") {
        // A graceful close: our FIN after the reply. A peer that never closes its side is not
        // allowed to hold the socket half-open for ever.
        call({ call: "shutdown", inferred: false, via: "socket.end()", detail: "SHUT_WR" });
        connection.end();
        timer = setTimeout(() => connection.destroy(), options.idleTimeout * 1000);
      } else {
        connection.destroy();
      }
    };

    const send = (data: Buffer): Promise<void> => {
      call({
        call: "send",
        inferred: false,
        via: "socket.write()",
        bytes: data.length,
        preview: preview(data),
      });
      return connection.write(data).catch((err: OpError) => {
        call({ call: "send", inferred: false, errno: err.code, message: err.message });
        stop("error");
      });
    };

    const onRead = (result: ReadResult) => {
      if (!reading || result.kind === "more") return;
      reading = false;
      clearTimeout(settle);
      if (result.kind === "message") {
        send(options.ack).then(() => stop("acked"));
      } else {
        send(Buffer.from(`error: message longer than ${result.limit} bytes\n`)).then(() => stop("too-long"));
      }
    };

    connection.setHandlers({
      data(chunk) {
        call({
          call: "recv",
          inferred: true,
          via: "'data' event",
          bytes: chunk.length,
          preview: preview(chunk),
        });
        if (!reading) return; // one message per session; later bytes are not read
        onRead(reader.push(chunk));
        if (reading) {
          clearTimeout(settle);
          settle = setTimeout(() => onRead(reader.finish()), STREAM_SETTLE_MS);
        }
      },
      end() {
        call({
          call: "recv",
          inferred: true,
          via: "'end' event",
          bytes: 0,
          detail: "EOF: the peer shut down its side",
        });
        if (!reading) return;
        const result = reader.finish();
        if (result.kind === "more") stop("peer-closed");
        else onRead(result);
      },
      close(err) {
        clearTimeout(timer);
        if (err) call({ call: "recv", inferred: true, errno: err.code, message: err.message });
        if (!outcome) stop(err ? "error" : "peer-closed");
        const final = outcome ?? "peer-closed";
        call({ call: "close", inferred: true, via: "'close' event", detail: final });
        resolve(final);
      },
    });

    void send(options.welcome);
  });
}
