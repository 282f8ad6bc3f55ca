// The wire in NDJSON: a packet is a line with a `packet` object, a TCP state change one with a
// `tcpState` object (a reset `tcpReset`, a retransmission `tcpRetransmit`), each with `t` on the
// calls' time axis. `run --json` writes them through pino; `--trace-syscalls --json` as they are.
import type { Wire, WirePacket, WireState } from "./wire.js";

/**
 * The wire as NDJSON records, each with its one-line message: the notes on why a part is missing
 * first, then packets and states in one time order. Both --json writers use it (pino's and
 * --trace-syscalls' own).
 */
export function wireRecords(
  wire: Wire,
  transport: string,
): { record: Record<string, unknown>; msg: string }[] {
  const notes = [wire.none, wire.noStates].flatMap((note) =>
    note ? [{ record: { note, transport }, msg: note }] : [],
  );
  const lines = wireLines(wire).map(({ t, line, msg }) => ({ record: { t, transport, ...line }, msg }));
  return [...notes, ...lines];
}

/** The wire's lines, packets and states in one time order, as the ladder draws them. */
function wireLines(wire: Wire): { t: number; line: Record<string, unknown>; msg: string }[] {
  return [
    ...wire.packets.map((p) => ({ t: p.t, line: { packet: packetJson(p) }, msg: p.words })),
    ...wire.states.map((s) => ({ t: s.t, line: stateJson(s), msg: s.text })),
  ].sort((a, b) => a.t - b.t);
}

/** A state change's NDJSON object (`tcpState`), a reset's (`tcpReset`), a retransmission's (`tcpRetransmit`). */
export function stateJson(s: WireState): Record<string, unknown> {
  const ends = { local: s.local, remote: s.remote, side: s.side, source: s.source };
  switch (s.what) {
    case "state":
      return { tcpState: { from: s.from, to: s.to, ...ends, ...(s.listener ? { listener: true } : {}) } };
    case "reset":
      return { tcpReset: { sent: s.sent, ...ends } };
    case "retransmit":
      return { tcpRetransmit: { synack: s.synack, ...ends } };
  }
}

/** A packet's NDJSON object: tcpdump's notation for the flags, and its words whole. */
export function packetJson(p: WirePacket): Record<string, unknown> {
  return {
    proto: p.proto,
    from: p.from,
    to: p.to,
    sender: p.sender,
    ...(p.flags === undefined ? {} : { flags: p.flags }),
    ...(p.seq === undefined ? {} : { seq: p.seq }),
    ...(p.ack === undefined ? {} : { ack: p.ack }),
    length: p.length,
    tcpdump: p.words,
  };
}
