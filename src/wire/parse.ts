// tcpdump's text (`-n -tt -S`: numeric addresses, wall-clock seconds, absolute sequence numbers) as
// packets: one line, one packet, in tcpdump's own words. Only what a lane needs is taken apart — the
// protocol, the two ends, and for TCP the flags, seq, ack and length; the words stay as tcpdump wrote
// them, less the window and the options, which say nothing about the lab's exchange.

export type Proto = "tcp" | "udp" | "icmp";

export interface Packet {
  /** When tcpdump saw it: the wall clock, in µs since the Unix epoch. */
  wallUs: number;
  proto: Proto;
  /** "127.0.0.1:33000", "[::1]:45678"; an ICMP message has addresses only. */
  from: string;
  to: string;
  /** TCP: tcpdump's notation, "S", "S.", ".", "P.", "F.", "R". */
  flags?: string;
  /** TCP: "272744066:272744100" for data, "272744065" for a SYN or FIN; none on a bare ACK. */
  seq?: string;
  ack?: number;
  /** The payload's length: TCP's or UDP's; for ICMP, what tcpdump says of the whole message. */
  length: number;
  /** What tcpdump said after the addresses: "Flags [P.], seq 1:23, ack 5, length 22". */
  words: string;
}

const LINE = /^(\d+)\.(\d{6}) (IP6?) (\S+) > (\S+): (.*)$/;

/** The packets in tcpdump's output; lines that are no packet (its own messages) are left out. */
export function parseTcpdump(text: string): Packet[] {
  return text.split("\n").flatMap((line) => {
    const packet = parsePacket(line);
    return packet ? [packet] : [];
  });
}

export function parsePacket(line: string): Packet | undefined {
  const m = LINE.exec(line.trim());
  if (!m) return undefined;
  const [, seconds = "", micros = "", ip, from = "", to = "", rest = ""] = m;
  const wallUs = Number(seconds) * 1_000_000 + Number(micros);
  const v6 = ip === "IP6";
  const length = Number(/length (\d+)/.exec(rest)?.[1] ?? 0);
  if (rest.startsWith("ICMP")) {
    return { wallUs, proto: "icmp", from, to, length, words: rest };
  }
  const ends = { from: endpoint(from, v6), to: endpoint(to, v6) };
  if (rest.startsWith("UDP")) return { wallUs, proto: "udp", ...ends, length, words: rest };
  const flags = /^Flags \[([^\]]*)\]/.exec(rest)?.[1];
  if (flags === undefined) return undefined; // neither TCP, UDP nor ICMP: not ours
  const seq = /, seq (\d+(?::\d+)?)/.exec(rest)?.[1];
  const ack = /, ack (\d+)/.exec(rest)?.[1];
  const words = rest.replace(/, win \d+/, "").replace(/, options \[[^\]]*\]/, "");
  return {
    wallUs,
    proto: "tcp",
    ...ends,
    flags,
    ...(seq === undefined ? {} : { seq }),
    ...(ack === undefined ? {} : { ack: Number(ack) }),
    length,
    words,
  };
}

/** tcpdump's "127.0.0.1.33000" or "::1.45678" as the playground writes an address. */
function endpoint(text: string, v6: boolean): string {
  const dot = text.lastIndexOf(".");
  const [host, port] = [text.slice(0, dot), text.slice(dot + 1)];
  return v6 ? `[${host}]:${port}` : `${host}:${port}`;
}
