// The bench protocol: what the load (pingpong.ts, throughput.ts) and the bench server
// (bench-server.ts) say to each other. The playground's own protocol carries one message per session,
// so many messages on one session need a protocol of their own, as sockperf's and iperf3's do.
//
//   echo   what arrives goes straight back: every chunk on a stream, every record on seqpacket or a
//          datagram socket. A stream has no boundaries, so a ping is framed by its size: the client
//          sends --size bytes and the round trip is over when --size bytes have come back. A datagram
//          ping starts with a 32-bit sequence number, so that the late echo of a ping given up as lost
//          is not taken for the next one's.
//   sink   what arrives is counted and dropped. On a connection the client shuts down its side when it
//          is done; the server answers with the report and closes. On a datagram socket every datagram
//          starts with a kind byte: DATA, or REPORT_REQUEST, answered by the report in one datagram to
//          the sender (asked again if UDP loses it).
//
// The report is JSON text: {"bytes":N,"datagrams":N} (datagrams counts records and chunks alike).
export type BenchService = "echo" | "sink";

export const DATA = 0x44; // 'D'
export const REPORT_REQUEST = 0x3f; // '?'

export interface SinkReport {
  bytes: number;
  datagrams: number;
}

/** The smallest --size: room for a ping's 32-bit sequence number, with some to spare. */
export const MIN_MESSAGE_BYTES = 8;

export function encodeReport(report: SinkReport): Buffer {
  return Buffer.from(JSON.stringify(report));
}

export function decodeReport(data: Buffer): SinkReport {
  const parsed = JSON.parse(data.toString("utf8")) as Partial<SinkReport>;
  if (typeof parsed.bytes !== "number" || typeof parsed.datagrams !== "number") {
    throw new Error(`bench server sent a malformed report: ${data.toString("utf8").slice(0, 80)}`);
  }
  return { bytes: parsed.bytes, datagrams: parsed.datagrams };
}

/** `size` bytes of filler, led by the kind byte when one is given. */
export function filler(size: number, kind?: number): Buffer {
  const data = Buffer.alloc(size, 0x61);
  if (kind !== undefined) data[0] = kind;
  return data;
}
