// The seven transports as data: the one place each fact about them lives. It imports nothing, so any
// layer may read it (help text, notes, the experiment report, errors) without loading a socket module.
// The transport modules (tcp.ts, udp.ts, unix-*.ts) add behaviour to their row; strategy.ts maps the
// flags to a name; everything that says what a transport is reads it here.

export type TransportName =
  | "tcp4"
  | "tcp6"
  | "udp4"
  | "udp6"
  | "unix-stream"
  | "unix-dgram"
  | "unix-seqpacket";
export type Family = "inet" | "inet6" | "unix";
export type SocketType = "stream" | "dgram" | "seqpacket";

/** Which API does the work: what decides behaviour (builtOn is its name for people). */
export type Api = "node:net" | "node:dgram" | "unix-addon";

/** What a transport is, as data: the views and notes read these, never a literal of their own. */
export interface TransportInfo {
  readonly name: TransportName;
  readonly family: Family;
  readonly type: SocketType;
  /** The C constants, for people who know socket(2). */
  readonly cFamily: "AF_INET" | "AF_INET6" | "AF_UNIX";
  readonly cType: "SOCK_STREAM" | "SOCK_DGRAM" | "SOCK_SEQPACKET";
  readonly api: Api;
  /** Which Node API does the work, in words. */
  readonly builtOn: string;
  readonly connectionOriented: boolean;
  /**
   * One-way trips between the hosts before accept() can return: TCP's three-way handshake is three
   * (SYN, SYN-ACK, ACK: the listener's accept() waits for the ACK; tcp(7)); a unix connect() is
   * completed inside the kernel with nothing sent, and a datagram socket has no connection: none.
   */
  readonly connectTrips: 0 | 3;
  /** One send() arrives as one recv(). */
  readonly preservesBoundaries: boolean;
  /** Delivered in order, without loss (UDP is neither). */
  readonly reliable: boolean;
  readonly addressForm: "ip:port" | "path or @abstract" | "path";
  /**
   * Whether closing a listening unix socket removes its file. The kernel never does (unix(7)); node:net
   * unlinks it in server.close(); on the playground's own addon the playground does. Inet: no file.
   */
  readonly closeUnlinks: boolean;
}

/**
 * Who made a call the playground reports: on node:net and node:dgram Node makes accept() and the reads
 * by itself and tells of them in an event, so they are inferred (drawn with *); on the playground's own
 * addon each is a call the playground makes by name (socket.accept(), socket.recv()), and none is.
 */
export function madeBy(api: Api, event: string, ownCall: string): { inferred: boolean; via: string } {
  return api === "unix-addon" ? { inferred: false, via: ownCall } : { inferred: true, via: event };
}

const TCP = {
  type: "stream",
  cType: "SOCK_STREAM",
  api: "node:net",
  builtOn: "node:net",
  connectionOriented: true,
  connectTrips: 3,
  preservesBoundaries: false,
  reliable: true,
  addressForm: "ip:port",
  closeUnlinks: false,
} as const;

const UDP = {
  type: "dgram",
  cType: "SOCK_DGRAM",
  api: "node:dgram",
  builtOn: "node:dgram",
  connectionOriented: false,
  connectTrips: 0,
  preservesBoundaries: true,
  reliable: false,
  addressForm: "ip:port",
  closeUnlinks: false,
} as const;

export const TRANSPORTS: readonly TransportInfo[] = [
  { ...TCP, name: "tcp4", family: "inet", cFamily: "AF_INET" },
  { ...TCP, name: "tcp6", family: "inet6", cFamily: "AF_INET6" },
  { ...UDP, name: "udp4", family: "inet", cFamily: "AF_INET" },
  { ...UDP, name: "udp6", family: "inet6", cFamily: "AF_INET6" },
  {
    name: "unix-stream",
    family: "unix",
    type: "stream",
    cFamily: "AF_UNIX",
    cType: "SOCK_STREAM",
    api: "node:net",
    builtOn: "node:net (path sockets)",
    connectionOriented: true,
    connectTrips: 0,
    preservesBoundaries: false,
    reliable: true,
    addressForm: "path or @abstract",
    closeUnlinks: true,
  },
  {
    name: "unix-dgram",
    family: "unix",
    type: "dgram",
    cFamily: "AF_UNIX",
    cType: "SOCK_DGRAM",
    api: "unix-addon",
    builtOn: "the playground's own addon (native/unix_socket.c), SOCK_DGRAM",
    connectionOriented: false,
    connectTrips: 0,
    preservesBoundaries: true,
    reliable: true, // on Linux: a full receiver makes the sender wait (unix(7))
    addressForm: "path or @abstract",
    closeUnlinks: false,
  },
  {
    name: "unix-seqpacket",
    family: "unix",
    type: "seqpacket",
    cFamily: "AF_UNIX",
    cType: "SOCK_SEQPACKET",
    api: "unix-addon",
    builtOn: "the playground's own addon (native/unix_socket.c), SOCK_SEQPACKET",
    connectionOriented: true,
    connectTrips: 0,
    preservesBoundaries: true,
    reliable: true,
    addressForm: "path or @abstract",
    closeUnlinks: false,
  },
];

export const TRANSPORT_NAMES: readonly TransportName[] = TRANSPORTS.map((t) => t.name);

/** The row of a transport the type system already knows exists. */
export function factsOf(name: TransportName): TransportInfo {
  return TRANSPORTS.find((t) => t.name === name) as TransportInfo;
}
