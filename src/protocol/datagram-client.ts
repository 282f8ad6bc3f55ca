// The client's half of a datagram session: hello -> welcome, message -> ack. Nothing guarantees a UDP
// datagram arrives (udp(7)), so each is resent after a timeout, a bounded number of times.
import { DeadlineError, OpError } from "../errors.js";
import { type CallRecord, failureRecord, preview, type Trace } from "../trace/events.js";
import { type Api, madeBy } from "../transports/facts.js";
import type { DatagramSocket, DatagramTransport } from "../transports/transport.js";
import type { ClientOptions, ClientResult } from "./connection-client.js";
import { checkAck, HELLO } from "./messages.js";

export interface DatagramClientOptions extends ClientOptions {
  /** How many times a datagram is sent again when no reply comes. */
  retries: number;
}

type Call = ((record: Omit<CallRecord, "side" | "local" | "remote">) => void) & { now(): number };

export async function runDatagramClient(
  transport: DatagramTransport,
  server: string,
  options: DatagramClientOptions,
  trace: Trace,
): Promise<ClientResult> {
  // One deadline for the whole session, as on a connection: the two exchanges share --timeout.
  const deadline = Date.now() + options.timeout * 1000;
  const socket = await transport.open(server, trace);
  const call: Call = Object.assign(
    (record: Omit<CallRecord, "side" | "local" | "remote">) =>
      trace({ side: "client", local: socket.local, remote: server, ...record }),
    { now: trace.now },
  );
  const inbox = new Inbox(socket, server, call, transport.api);
  try {
    const session = { ...options, deadline };
    const welcome = await exchange(
      socket,
      inbox,
      Buffer.from(HELLO),
      "welcome",
      transport,
      server,
      session,
      call,
    );
    // A welcome answering a resent hello may still arrive: it is not the ack.
    inbox.ignore = welcome;
    const ack = await exchange(socket, inbox, options.message, "ack", transport, server, session, call);
    checkAck(ack, transport.name, server);
    return { welcome, ack };
  } catch (err) {
    // The call that failed, as the error names it: a sendto() to a missing path fails in sendto().
    if (err instanceof OpError) {
      const failed = err.op === "send" ? (socket.connected ? "send" : "sendto") : inbox.recvCall;
      call(failureRecord(err, failed));
    }
    throw err;
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
  options: DatagramClientOptions & { deadline: number },
  call: Call,
): Promise<Buffer> {
  // A connected datagram socket sends with send(); an unconnected one names the peer each time.
  const sendCall = socket.connected ? "send" : "sendto";
  for (let attempt = 0; attempt <= options.retries && Date.now() < options.deadline; attempt++) {
    // What is left of the session, split over this send and the resends still allowed.
    const wait = (options.deadline - Date.now()) / (options.retries + 1 - attempt);
    const detail = attempt === 0 ? undefined : `resent, attempt ${attempt + 1}: no reply yet`;
    // On the trace once the kernel has taken it: a send() that fails is drawn as the failure it is.
    const t = call.now();
    await socket.send(data, server);
    call({
      t,
      call: sendCall,
      inferred: false,
      via: "socket.send()",
      bytes: data.length,
      preview: preview(data),
      detail,
    });
    const reply = await inbox.next(wait);
    if (inbox.failure) throw inbox.failure;
    if (reply) return reply;
  }
  throw new DeadlineError(
    "recv",
    transport.name,
    server,
    `no ${what} within the session's ${options.timeout} s (${options.retries + 1} sends at most)`,
  );
}

/** Datagrams from the server, in order; those from anyone else are not ours and are dropped. */
class Inbox {
  private queue: Buffer[] = [];
  private wake: (() => void) | undefined;
  failure: OpError | undefined;
  ignore: Buffer | undefined;
  readonly recvCall: "recv" | "recvfrom";

  constructor(socket: DatagramSocket, server: string, call: Call, api: Api) {
    this.recvCall = socket.connected ? "recv" : "recvfrom";
    const read = madeBy(api, "'message' event", "socket.recv()");
    socket.setHandlers({
      message: (data, from) => {
        call({
          call: this.recvCall,
          ...read,
          bytes: data.length,
          preview: preview(data),
        });
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
