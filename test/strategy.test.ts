import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { chooseTransport } from "../src/strategy.js";
import { TRANSPORTS } from "../src/transports/facts.js";
import { loadTransport } from "../src/transports/index.js";

describe("chooseTransport", () => {
  it("defaults to TCP over IPv4", () => {
    expect(chooseTransport({})).toBe("tcp4");
  });

  it.each([
    [{ family: "inet", type: "stream" }, "tcp4"],
    [{ family: "AF_INET6", type: "SOCK_STREAM" }, "tcp6"],
    [{ family: "inet", type: "dgram" }, "udp4"],
    [{ family: "PF_INET6", type: "datagram" }, "udp6"],
    [{ family: "unix", type: "stream" }, "unix-stream"],
    [{ family: "AF_LOCAL", type: "SOCK_DGRAM" }, "unix-dgram"],
    [{ family: "af_unix", type: "sock_seqpacket" }, "unix-seqpacket"],
    [{ transport: "udp6" }, "udp6"],
    [{ transport: "unix-dgram", family: "unix", type: "dgram" }, "unix-dgram"],
  ])("%o -> %s", (flags, name) => {
    expect(chooseTransport(flags)).toBe(name);
  });

  it("names the pairs that exist when a pair does not", () => {
    expect(() => chooseTransport({ family: "inet", type: "seqpacket" })).toThrow(UsageError);
    expect(() => chooseTransport({ family: "inet", type: "seqpacket" })).toThrow(/unix\/seqpacket/);
  });

  it("rejects unknown names and contradictions", () => {
    expect(() => chooseTransport({ family: "ipx" })).toThrow(/unknown --family 'ipx'/);
    expect(() => chooseTransport({ type: "raw" })).toThrow(/unknown --type 'raw'/);
    expect(() => chooseTransport({ transport: "sctp" })).toThrow(/unknown --transport 'sctp'/);
    expect(() => chooseTransport({ transport: "tcp4", type: "dgram" })).toThrow(
      /--transport tcp4 is --type stream/,
    );
  });
});

describe("the transport table and the transports agree", () => {
  it.each(TRANSPORTS.map((row) => [row.name, row] as const))("%s", async (name, row) => {
    const transport = await loadTransport(name);
    expect(transport.name).toBe(name);
    expect(transport.family).toBe(row.family);
    expect(transport.type).toBe(row.type);
    expect(transport.kind).toBe(row.type === "dgram" ? "datagram" : "connection");
    expect(transport.connectionOriented).toBe(row.type !== "dgram");
    expect(transport.preservesBoundaries).toBe(row.type !== "stream");
  });
});
