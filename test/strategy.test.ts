import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { chooseTransport, parseTransportList } from "../src/strategy.js";
import { TRANSPORT_NAMES, TRANSPORTS } from "../src/transports/facts.js";
import { loadTransport } from "../src/transports/index.js";
import { playground } from "./helpers/cli.js";

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

describe("one transport list, as compare, bench and experiment take it", () => {
  it("takes names comma-separated, blanks and a trailing comma ignored, each name once in first order", () => {
    expect(parseTransportList("udp4, tcp4,udp4,")).toEqual(["udp4", "tcp4"]);
    expect(parseTransportList("UNIX-Stream")).toEqual(["unix-stream"]);
  });

  it("all, or nothing given, is every transport", () => {
    expect(parseTransportList(undefined)).toEqual(TRANSPORT_NAMES);
    expect(parseTransportList("all")).toEqual(TRANSPORT_NAMES);
    expect(parseTransportList("tcp4,all")).toEqual(TRANSPORT_NAMES);
  });

  it("refuses an empty list and an unknown name, as a usage error naming it", () => {
    expect(() => parseTransportList(" , ")).toThrow(UsageError);
    expect(() => parseTransportList("tcp4,sctp")).toThrow(/unknown --transport 'sctp'/);
  });
});

describe("--transport and --transports are one flag on every command", () => {
  const lists = [
    ["compare", "--duration", "0.1", "--format", "json"],
    ["bench", "--mode", "pingpong", "--duration", "0.1", "--warmup", "0", "--json"],
    ["experiment", "ephemeral-port", "--json"],
  ];
  it.each(lists)(
    "%s: either spelling, with a duplicate and a trailing comma, runs udp4 once",
    async (...args) => {
      for (const flag of ["--transport", "--transports"]) {
        const { code, stdout, stderr } = await playground([...args, flag, "udp4,udp4,"], 60_000);
        expect(code, stderr).toBe(0);
        const transports = [...stdout.matchAll(/"transport":\s*"([^"]+)"/g)].map((m) => m[1]);
        expect(new Set(transports)).toEqual(new Set(["udp4"]));
      }
    },
  );

  it.each([["run"], ["server"], ["client"]])("%s takes --transports as --transport", async (command) => {
    const { stderr } = await playground([command, "--transports", "sctp"]);
    expect(stderr).toMatch(/^playground: unknown --transport 'sctp'/);
  });
});
