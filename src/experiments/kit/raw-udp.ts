// A node:dgram socket made directly, for the calls the udp transport deliberately does not offer: one
// that can disconnect(), connect again, share a port (SO_REUSEADDR) or take a dual-stack `::`. Its
// calls are recorded on the trace by hand.
import dgram from "node:dgram";
import { preview } from "../../trace/events.js";
import { formatInet, parseInet } from "../../transports/address.js";
import type { Side, TransportName } from "../../transports/transport.js";
import type { ExperimentContext } from "../experiment.js";
import { Inbox } from "./inbox.js";

/** The node:dgram type of a UDP transport. */
export function udpType(name: TransportName): "udp4" | "udp6" {
  if (name !== "udp4" && name !== "udp6") throw new Error(`${name} is not UDP`);
  return name;
}

/**
 * A node:dgram socket made directly, for what the udp transport does not do: reuseAddr, a dual-stack
 * `::`, disconnect() and a second connect(). Closed when the run ends.
 */
export class TracedUdpSocket {
  readonly socket: dgram.Socket;
  readonly inbox: Inbox;
  #closed = false;
  /** Whether Node has bound this socket (it binds once, before its first connect() or send()). */
  #bound = false;

  constructor(
    private readonly context: ExperimentContext,
    private readonly type: "udp4" | "udp6",
    private readonly side: Side,
    options: { reuseAddr?: boolean; ipv6Only?: boolean } = {},
  ) {
    this.socket = dgram.createSocket({ type, ...options });
    this.inbox = new Inbox(context, side);
    const detail = options.reuseAddr
      ? "SO_REUSEADDR"
      : options.ipv6Only === false
        ? "IPV6_V6ONLY off"
        : undefined;
    context.trace({ side, call: "socket", inferred: true, via: "dgram.createSocket()", detail });
    // An ICMP error ('error' event) must never crash the run; it is an outcome here.
    this.socket.on("error", (err: NodeJS.ErrnoException) => this.inbox.error(err.code ?? "EIO"));
    this.socket.on("message", (data, rinfo) =>
      this.inbox.message(data, formatInet(rinfo.address, rinfo.port)),
    );
    context.defer(() => this.close());
  }

  /** The address bound now; "" when unbound (0.0.0.0:0 to getsockname()). */
  local(): string {
    try {
      const { address, port } = this.socket.address();
      return port === 0 ? "" : formatInet(address, port);
    } catch {
      return "";
    }
  }

  bind(address: string): Promise<void> {
    const { host, port } = parseInet(address);
    const record = { side: this.side, call: "bind", inferred: false, via: "socket.bind()" } as const;
    return new Promise((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException) => {
        this.context.trace({ ...record, local: address, errno: err.code, message: err.message });
        reject(err);
      };
      this.socket.once("error", failed);
      this.socket.bind({ address: host, port }, () => {
        this.socket.off("error", failed);
        this.#bound = true;
        // With port 0 the kernel chose the port: the call itself was given 0.
        this.context.trace({ ...record, local: this.local(), requested: port === 0 ? address : undefined });
        resolve();
      });
    });
  }

  /** connect(): binds an ephemeral port first if the socket has none. */
  connect(address: string): Promise<void> {
    const { host, port } = parseInet(address);
    const t = this.context.trace.now();
    // Node binds the wildcard, port 0, before its first connect() only: after a disconnect() the
    // socket has no port, but Node's next connect() binds nothing (the kernel gives it one in connect()).
    const unbound = !this.#bound;
    const record = { t, side: this.side, call: "connect", inferred: false, via: "socket.connect()" } as const;
    return new Promise((resolve, reject) => {
      this.socket.connect(port, host, (err?: NodeJS.ErrnoException) => {
        if (err) {
          this.context.trace({ ...record, remote: address, errno: err.code, message: err.message });
          return reject(err);
        }
        const local = this.local();
        this.#bound = true;
        if (unbound) {
          const requested = this.type === "udp6" ? "[::]:0" : "0.0.0.0:0";
          this.context.trace({
            ...record,
            call: "bind",
            inferred: true,
            local,
            requested,
            detail: "ephemeral port",
          });
        }
        this.context.trace({ ...record, local, remote: address });
        resolve();
      });
    });
  }

  /** Node's disconnect() is connect() with sa_family AF_UNSPEC. */
  disconnect(): void {
    this.socket.disconnect();
    this.context.trace({
      side: this.side,
      call: "connect",
      inferred: false,
      via: "socket.disconnect()",
      remote: "AF_UNSPEC",
    });
  }

  /** send() on a connected socket (no `to`), sendto() otherwise. */
  send(text: string, to?: string): Promise<void> {
    const data = Buffer.from(text);
    const call = to === undefined ? "send" : "sendto";
    this.context.trace({
      side: this.side,
      call,
      inferred: false,
      via: "socket.send()",
      remote: to,
      bytes: data.length,
      preview: preview(data),
    });
    return new Promise((resolve, reject) => {
      const done = (err: Error | null) => (err ? reject(err) : resolve());
      if (to === undefined) this.socket.send(data, done);
      else {
        const { host, port } = parseInet(to);
        this.socket.send(data, port, host, done);
      }
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.context.trace({
      side: this.side,
      call: "close",
      inferred: false,
      via: "socket.close()",
      local: this.local(),
    });
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
