// The client's half of a datagram session: hello -> welcome, message -> ack. Nothing guarantees a UDP
// datagram arrives (udp(7)), so each is resent after a timeout, a bounded number of times.
import { OpError } from "../errors.js";
import type { DatagramSocket, DatagramTransport } from "../transports/transport.js";
import type { ClientOptions, ClientResult } from "./connection-client.js";
import type { Report } from "./events.js";
import { HELLO, printable } from "./messages.js";

export interface DatagramClientOptions extends ClientOptions {
  /** How many times a datagram is sent again when no reply comes. */
  retries: number;
}

export async function runDatagramClient(
  transport: DatagramTransport,
  server: string,
  options: DatagramClientOptions,
  report: Report,
): Promise<ClientResult> {
  const socket = await transport.open(server);
  const inbox = new Inbox(socket, server);
  try {
    if (socket.local) report({ event: "bound", side: "client", local: socket.local });
    const welcome = await exchange(
      socket,
      inbox,
      Buffer.from(HELLO),
      "welcome",
      transport,
      server,
      options,
      report,
    );
    // A welcome answering a resent hello may still arrive: it is not the ack.
    inbox.ignore = welcome;
    const ack = await exchange(socket, inbox, options.message, "ack", transport, server, options, report);
    return { welcome, ack };
  } finally {
    await socket.close();
  }
}

async function exchange(
  socket: DatagramSocket,
  inbox: Inbox,
  data: Buffer,
  what: "welcome" | "ack",
  transport: DatagramTransport,
  server: string,
  options: DatagramClientOptions,
  report: Report,
): Promise<Buffer> {
  // Split the time for this reply over the first send and its resends.
  const wait = (options.timeout * 1000) / (options.retries + 1);
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    await socket.send(data, server);
    if (attempt === 0) {
      report({ event: "sent", side: "client", peer: server, bytes: data.length, text: printable(data) });
    } else {
      report({ event: "resent", side: "client", peer: server, bytes: data.length, attempt });
    }
    const reply = await inbox.next(wait);
    if (inbox.failure) throw inbox.failure;
    if (reply) {
      report({
        event: "received",
        side: "client",
        peer: server,
        bytes: reply.length,
        text: printable(reply),
      });
      return reply;
    }
  }
  throw new OpError(
    "recv",
    transport.name,
    server,
    "ETIMEDOUT",
    `no ${what} after ${options.retries + 1} sends in ${options.timeout} s`,
  );
}

/** Datagrams from the server, in order; those from anyone else are not ours and are dropped. */
class Inbox {
  private queue: Buffer[] = [];
  private wake: (() => void) | undefined;
  failure: OpError | undefined;
  ignore: Buffer | undefined;

  constructor(socket: DatagramSocket, server: string) {
    socket.setHandlers({
      message: (data, from) => {
        if (from !== server || this.ignore?.equals(data)) return;
        this.queue.push(data);
        this.wake?.();
      },
      error: (err) => {
        // On Linux an ICMP port unreachable can surface here (ECONNREFUSED): no server there.
        this.failure = err;
        this.wake?.();
      },
    });
  }

  async next(ms: number): Promise<Buffer | undefined> {
    if (this.queue.length === 0 && !this.failure) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.queue.shift();
  }
}
