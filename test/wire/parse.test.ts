// tcpdump's and the tracepoints' lines as this machine's tcpdump 4.99 and kernel wrote them, taken apart.
import { describe, expect, it } from "vitest";
import { parseTcpdump } from "../../src/wire/parse.js";
import { parseTrace } from "../../src/wire/tracefs.js";

const TCPDUMP = `
1796157858.043555 IP 127.0.0.1.33000 > 127.0.0.1.45678: Flags [S], seq 272744065, win 65495, options [mss 65495,sackOK,TS val 194893405 ecr 0,nop,wscale 10], length 0
1796157858.046017 IP 127.0.0.1.45678 > 127.0.0.1.33000: Flags [P.], seq 3055829575:3055829597, ack 272744066, win 64, options [nop,nop,TS val 3096695192 ecr 194893405], length 22
1796157858.046027 IP 127.0.0.1.33000 > 127.0.0.1.45678: Flags [.], ack 3055829597, win 64, options [nop,nop,TS val 194893407 ecr 3096695192], length 0
1796157858.882520 IP 127.0.0.1.59130 > 127.0.0.1.45678: UDP, length 23
1796157859.007844 IP 127.0.0.1 > 127.0.0.1: ICMP 127.0.0.1 udp port 45678 unreachable, length 59
1796157859.129885 IP6 ::1.53735 > ::1.45678: UDP, length 23
listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes
`;

describe("parseTcpdump", () => {
  it("keeps tcpdump's words, less the window and options, and takes out flags, seq, ack, length", () => {
    const [syn, data, ack, udp, icmp, udp6, ...rest] = parseTcpdump(TCPDUMP);
    expect(rest).toEqual([]);
    expect(syn).toEqual({
      wallUs: 1796157858043555,
      proto: "tcp",
      from: "127.0.0.1:33000",
      to: "127.0.0.1:45678",
      flags: "S",
      seq: "272744065",
      length: 0,
      words: "Flags [S], seq 272744065, length 0",
    });
    expect(data).toMatchObject({ flags: "P.", seq: "3055829575:3055829597", ack: 272744066, length: 22 });
    expect(ack).toMatchObject({ flags: ".", ack: 3055829597, length: 0 });
    expect(ack?.seq).toBeUndefined();
    expect(udp).toMatchObject({ proto: "udp", length: 23, words: "UDP, length 23" });
    expect(icmp).toMatchObject({ proto: "icmp", from: "127.0.0.1", to: "127.0.0.1", length: 59 });
    expect(udp6).toMatchObject({ proto: "udp", from: "[::1]:53735", to: "[::1]:45678" });
  });
});

const TRACE = `
# tracer: nop
            node-9306    [000] ..... 14917.554582: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=0 dport=45679 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT
            node-9306    [000] ..s2. 14917.554639: inet_sock_set_state: family=AF_INET6 protocol=IPPROTO_TCP sport=45679 dport=35096 saddr=0.0.0.0 daddr=0.0.0.0 saddrv6=::1 daddrv6=::1 oldstate=TCP_LISTEN newstate=TCP_SYN_RECV
            node-9317    [001] ..s1. 14917.668061: tcp_send_reset: skbaddr=00000000d7aa5a62 skaddr=0000000000000000 src=127.0.0.1:45680 dest=127.0.0.1:48488 state=UNKNOWN reason=NO_SOCKET
          <idle>-0       [001] ..s2. 14918.700000: tcp_retransmit_synack: family=AF_INET sport=45680 dport=48490 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1
`;

describe("parseTrace", () => {
  it("gives each state change its two ends and states, a reset its direction, a retransmission its kind", () => {
    expect(parseTrace(TRACE)).toEqual([
      {
        monoUs: 14917554582,
        what: "state",
        from: "CLOSE",
        to: "SYN_SENT",
        local: "127.0.0.1:0",
        remote: "127.0.0.1:45679",
      },
      {
        monoUs: 14917554639,
        what: "state",
        from: "LISTEN",
        to: "SYN_RECV",
        local: "[::1]:45679",
        remote: "[::1]:35096",
      },
      { monoUs: 14917668061, what: "reset", sent: true, local: "127.0.0.1:45680", remote: "127.0.0.1:48488" },
      {
        monoUs: 14918700000,
        what: "retransmit",
        synack: true,
        local: "127.0.0.1:45680",
        remote: "127.0.0.1:48490",
      },
    ]);
  });
});
