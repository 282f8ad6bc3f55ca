// More shared steps, for the connect and bind experiments: the calls the transports deliberately do not
// offer. A node:dgram socket that can disconnect(), connect again or share a port (SO_REUSEADDR), and a
// child Node under strace, to hear what the kernel told node-unix-socket (whose errors are text that
// says "No such file or directory" whatever happened). Raw calls are recorded on the trace by hand.
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { preview } from "../trace/events.js";
import { formatInet, parseInet } from "../transports/address.js";
import type { DatagramSocket, Side, TransportName } from "../transports/transport.js";
import { seqpacketConnectsScript } from "../transports/unix-addon/index.js";
import type { ExperimentContext, Observation } from "./experiment.js";

/** What a datagram socket has received so far, each datagram recorded on the trace as it comes. */
export class Inbox {
  readonly texts: string[] = [];
  /** Who sent each of them, as recvfrom() said. */
  readonly senders: string[] = [];
  /** Asynchronous errors ('error' events), as errno names. */
  readonly errors: string[] = [];
  #waiting = new Set<() => void>();

  constructor(
    private readonly context: ExperimentContext,
    private readonly side: Side,
  ) {}

  message(data: Buffer, from: string): void {
    const [text, bytes] = [data.toString(), data.length];
    this.context.trace({
      side: this.side,
      call: "recvfrom",
      inferred: true,
      via: "'message' event",
      remote: from,
      bytes,
      preview: preview(data),
    });
    this.texts.push(text);
    this.senders.push(from);
    this.#changed();
  }

  /** An error the socket reported later, as Node does: from the recvmsg() it keeps waiting in. */
  error(code: string): void {
    this.context.trace({
      side: this.side,
      call: "recv",
      inferred: true,
      via: "'error' event",
      errno: code,
      message: `recvmsg() ${code}`,
    });
    this.errors.push(code);
    this.#changed();
  }

  has(text: string): boolean {
    return this.texts.includes(text);
  }

  /** Resolves true as soon as `done()` holds, false if it still does not after `ms`. */
  until(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), ms);
      const finish = (held: boolean) => {
        clearTimeout(timer);
        this.#waiting.delete(check);
        resolve(held);
      };
      this.#waiting.add(check);
    });
  }

  #changed(): void {
    for (const check of [...this.#waiting]) check();
  }
}

/** An Inbox fed by a transport's datagram socket. */
export function inboxOf(socket: DatagramSocket, context: ExperimentContext, side: Side): Inbox {
  const inbox = new Inbox(context, side);
  socket.setHandlers({
    message: (data, from) => inbox.message(data, from),
    error: (err) => inbox.error(err.code),
  });
  return inbox;
}

/** sendto() on a transport's datagram socket, recorded on the trace (the transports leave sends to the protocol). */
export async function sendText(
  context: ExperimentContext,
  side: Side,
  socket: DatagramSocket,
  text: string,
  to: string,
): Promise<void> {
  const data = Buffer.from(text);
  const call = socket.connected ? "send" : "sendto";
  const record = {
    side,
    call,
    inferred: false,
    via: "socket.send()",
    local: socket.local,
    remote: to,
  } as const;
  context.trace({ ...record, bytes: data.length, preview: preview(data) });
  try {
    await socket.send(data, to);
  } catch (err) {
    context.trace({ ...record, errno: (err as { code?: string }).code, message: (err as Error).message });
    throw err;
  }
}

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

// ---- strace ---------------------------------------------------------------------------------------

const STRACE_MISSING = "this step asks strace what the kernel said: apt-get install strace";

/**
 * Runs `script` in a child Node under `strace -e trace=<calls>`, and returns the system calls strace
 * saw (one per line, without the [pid N] prefix) and what the child printed. The child is a separate
 * process because a process cannot strace itself; it is killed if it takes more than two seconds.
 */
export function straceNode(
  script: string,
  args: string[],
  calls: string,
): Promise<{ calls: string[]; printed: string }> {
  const argv = [
    "-f",
    "-qq",
    "-e",
    `trace=${calls}`,
    "-e",
    "signal=none",
    process.execPath,
    "-e",
    script,
    ...args,
  ];
  return new Promise((resolve, reject) => {
    // No NODE_OPTIONS: a test runner's loader would only slow the child down.
    const options = {
      timeout: 2000,
      killSignal: "SIGKILL",
      env: { ...process.env, NODE_OPTIONS: "" },
    } as const;
    execFile("strace", argv, options, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") return reject(new Error(STRACE_MISSING));
      if (err?.killed) return reject(new Error("the traced child Node took more than 2 s"));
      const lines = stderr.split("\n").map((line) => line.replace(/^\[pid\s+\d+\]\s+/, ""));
      const seen = lines.filter((line) => new RegExp(`^(${calls.replaceAll(",", "|")})\\(`).test(line));
      // strace's own complaint, when it cannot trace here (no ptrace in this container, say).
      const complaint = lines.find((line) => line.startsWith("strace:"));
      if (seen.length === 0 && complaint) return reject(new Error(complaint));
      resolve({ calls: seen, printed: stdout.trim() });
    });
  });
}

export interface KernelAnswers {
  /** What each connect() returned: "succeeded" or an errno name. */
  answers: string[];
  /** The strace lines themselves. */
  lines: string[];
  /** The message node-unix-socket threw, if it threw. */
  librarySaid?: string;
}

/**
 * What the kernel answered to node-unix-socket's connect() on a SOCK_SEQPACKET socket, `attempts`
 * times on one socket: the library throws 'No such file or directory' for every failure, so strace
 * is the only honest witness.
 */
export async function seqpacketConnectsUnderStrace(
  context: ExperimentContext,
  path: string,
  attempts: number,
): Promise<KernelAnswers> {
  const { calls, printed } = await straceNode(seqpacketConnectsScript(), [path, String(attempts)], "connect");
  const lines = calls.filter((line) => line.includes(`sun_path=${JSON.stringify(path)}`));
  if (lines.length === 0) throw new Error(`strace saw no connect() to ${path}`);
  const answers = lines.map((line) => /= -1 (E[A-Z0-9]+)/.exec(line)?.[1] ?? "succeeded");
  for (const [i, answer] of answers.entries()) {
    const record = {
      side: "client",
      call: "connect",
      inferred: false,
      via: "a child Node, under strace",
      remote: path,
    } as const;
    if (answer === "succeeded") context.trace(record);
    else context.trace({ ...record, errno: answer, message: lines[i] });
  }
  return printed ? { answers, lines, librarySaid: printed } : { answers, lines };
}

/**
 * A unix-seqpacket connect()'s outcome: the kernel's answer. node-unix-socket does not say it, so the
 * playground deduces it (unix-addon/errors.ts); if the two disagree, the outcome shows both.
 */
export function seqpacketOutcome(playground: string, kernel: KernelAnswers): Observation {
  const answer = kernel.answers[0] ?? "no answer";
  const said = kernel.librarySaid ? `threw "${kernel.librarySaid}"` : "threw nothing";
  return {
    outcome: answer === playground ? answer : `kernel ${answer}, playground ${playground}`,
    evidence: [
      `strace of node-unix-socket in a child Node: ${kernel.lines[0]}`,
      `node-unix-socket ${said}; the playground read ${playground} from stat() and /proc/net/unix`,
    ],
  };
}
