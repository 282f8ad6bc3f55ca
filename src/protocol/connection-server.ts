// The server's half of a stream or seqpacket session, on one accepted Connection: send the welcome,
// read one message, send the ack, close. Like socketserver's BaseRequestHandler, it never learns
// which family it runs on.
import type { OpError } from "../errors.js";
import type { Connection } from "../transports/transport.js";
import type { Report, SessionOutcome } from "./events.js";
import { MessageReader, type ReadResult, STREAM_SETTLE_MS } from "./message-reader.js";
import { type ProtocolOptions, printable } from "./messages.js";

export function serveConnection(
  connection: Connection,
  session: number,
  preservesBoundaries: boolean,
  options: ProtocolOptions,
  report: Report,
): Promise<SessionOutcome> {
  const peer = connection.remote;
  report({ event: "connection", side: "server", session, peer });
  const reader = new MessageReader(preservesBoundaries, options.maxMessageBytes);

  return new Promise((resolve) => {
    let outcome: SessionOutcome | undefined;
    let reading = true; // until the one message of this session is complete
    let settle: NodeJS.Timeout | undefined;
    let timer = setTimeout(() => stop("timeout"), options.idleTimeout * 1000);

    const stop = (result: SessionOutcome, error?: OpError) => {
      if (outcome) return;
      outcome = result;
      reading = false;
      clearTimeout(settle);
      clearTimeout(timer);
      if (error)
        report({ event: "error", side: "server", session, code: error.code, message: error.message });
      if (result === "acked" || result === "too-long") {
        // A graceful close: our FIN after the reply. A peer that never closes its side is not
        // allowed to hold the socket half-open for ever.
        connection.end();
        timer = setTimeout(() => connection.destroy(), options.idleTimeout * 1000);
      } else {
        connection.destroy();
      }
    };

    const send = async (data: Buffer) => {
      await connection.write(data);
      report({ event: "sent", side: "server", session, peer, bytes: data.length, text: printable(data) });
    };

    const onRead = (result: ReadResult) => {
      if (!reading || result.kind === "more") return;
      reading = false;
      clearTimeout(settle);
      if (result.kind === "message") {
        const { message } = result;
        report({
          event: "received",
          side: "server",
          session,
          peer,
          bytes: message.length,
          text: printable(message),
        });
        send(options.ack).then(
          () => stop("acked"),
          (err: OpError) => stop("error", err),
        );
      } else {
        const line = Buffer.from(`error: message longer than ${result.limit} bytes\n`);
        send(line).then(
          () => stop("too-long"),
          (err: OpError) => stop("error", err),
        );
      }
    };

    connection.setHandlers({
      data(chunk) {
        if (!reading) return; // one message per session; later bytes are not read
        onRead(reader.push(chunk));
        if (reading) {
          clearTimeout(settle);
          settle = setTimeout(() => onRead(reader.finish()), STREAM_SETTLE_MS);
        }
      },
      end() {
        if (!reading) return;
        const result = reader.finish();
        if (result.kind === "more") stop("peer-closed");
        else onRead(result);
      },
      close(err) {
        clearTimeout(timer);
        if (!outcome) stop(err ? "error" : "peer-closed", err);
        const final = outcome ?? "peer-closed";
        report({ event: "session-closed", side: "server", session, peer, outcome: final });
        resolve(final);
      },
    });

    send(options.welcome).catch((err: OpError) => stop("error", err));
  });
}
