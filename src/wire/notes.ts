// Notes on what the wire showed, each chosen by what this capture holds and citing where it is
// specified: RFC 9293 for TCP's handshake, FIN and RST; RFC 768 and 792 (4443 for IPv6) for UDP
// and ICMP.
import type { SocketEvent } from "../trace/events.js";
import type { Wire } from "./wire.js";

export function wireNotes(wire: Wire, events: readonly SocketEvent[]): string[] {
  const notes: string[] = [];
  const tcp = wire.packets.filter((p) => p.proto === "tcp");
  const udp = wire.packets.filter((p) => p.proto === "udp");
  const accept = events.find((e) => e.call === "accept" && !e.errno);
  const handshake = tcp.slice(0, 3).map((p) => p.flags);
  if (handshake.join(" ") === "S S. ." && accept && (tcp[2]?.t ?? Number.POSITIVE_INFINITY) < accept.t) {
    notes.push(
      "The three-way handshake (SYN, SYN-ACK, ACK: S, S., .) was over before accept() returned: the " +
        "kernel completes a connection by itself and queues it for accept(). — RFC 9293 §3.5, listen(2)",
    );
  }
  const data = tcp.filter((p) => p.length > 0);
  if (data.length > 0) {
    notes.push(
      `The data crossed as ${data.length} segment(s) of ${data.map((p) => p.length).join(", ")} bytes; seq a:b ` +
        "counts the bytes a to b-1, and an ACK (.) names the next byte its sender expects, so one ACK may " +
        "cover several segments, or come with a FIN. — RFC 9293 §3.4",
    );
  }
  const fins = tcp.filter((p) => p.flags?.includes("F"));
  if (fins.length > 0) {
    const timeWait = wire.states.some((s) => s.what === "state" && s.to === "TIME_WAIT");
    notes.push(
      `Each side's FIN (F.) says it will send no more: ${fins.length} here. The side that sent the first ` +
        `one waits in TIME_WAIT (Linux: 60 s)${timeWait ? ", as ss shows (no tracepoint reports TIME_WAIT: the kernel hands the socket to a timewait socket, and the tracepoint sees it go to CLOSE)" : ""}. — RFC 9293 §3.6, tcp(7)`,
    );
  }
  if (tcp.some((p) => p.flags?.includes("R"))) {
    notes.push("A reset (R) ended a connection at once, with no FIN exchange. — RFC 9293 §3.5.2");
  }
  const connect = events.find((e) => e.call === "connect" && e.side === "client" && !e.errno);
  const firstSend = events.find((e) => e.side === "client" && (e.call === "send" || e.call === "sendto"));
  // A datagram session only (on TCP, connect() is the handshake): nothing at all crossed before the send.
  const datagrams = udp.length > 0 && tcp.length === 0;
  const between = connect && firstSend && wire.packets.filter((p) => p.t > connect.t && p.t < firstSend.t);
  if (datagrams && between?.length === 0) {
    notes.push(
      "connect() put nothing on the wire: the first datagram is the first send()'s. — RFC 768, udp(7)",
    );
  }
  const sends = events.filter((e) => (e.call === "send" || e.call === "sendto") && !e.errno);
  if (udp.length > 0 && udp.length === sends.length) {
    notes.push(
      `Each send() was one datagram (${udp.length} here), its UDP length the message's: ` +
        `${udp.map((p) => p.length).join(", ")} bytes. — RFC 768`,
    );
  }
  const icmp = wire.packets.filter((p) => p.proto === "icmp").map((p) => p.words ?? "");
  if (icmp.some((words) => PORT_UNREACHABLE.test(words))) {
    notes.push(
      "A datagram to a port with no socket came back as ICMP port unreachable, which a connect()ed " +
        "UDP socket hears as ECONNREFUSED. — RFC 792 (RFC 4443 for IPv6), udp(7)",
    );
  }
  if (icmp.some((words) => HOST_UNREACHABLE.test(words))) {
    notes.push(
      "ICMP host unreachable came back (a router or a firewall sends it, as the lab's --firewall " +
        "unreachable does). TCP's connect() fails with EHOSTUNREACH; for UDP it is a soft error, which a " +
        "socket hears only with IP_RECVERR (Node cannot set it), so a UDP client hears nothing and " +
        "waits. — RFC 1122 §4.2.3.9, ip(7) IP_RECVERR, udp(7)",
    );
  }
  return notes;
}

// tcpdump's words: "ICMP 127.0.0.1 udp port 9 unreachable", "ICMP6, destination unreachable,
// unreachable port, …"; and "ICMP host 169.254.77.1 unreachable", "… unreachable address …".
const PORT_UNREACHABLE = /udp port \S+ unreachable|unreachable port/;
const HOST_UNREACHABLE = /host \S+ unreachable|unreachable address/;
