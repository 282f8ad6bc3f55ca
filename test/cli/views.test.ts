// One event model, three views: --json, the ladder and Mermaid show the same socket calls, in the
// order each family and type makes them.
import { describe, expect, it } from "vitest";
import type { SocketEvent } from "../../src/trace/events.js";
import { TRANSPORTS } from "../../src/transports/facts.js";
import { playground } from "../helpers/cli.js";

async function jsonEvents(name: string): Promise<SocketEvent[]> {
  const { code, stdout, stderr } = await playground(["--transport", name, "--json"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const events = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as SocketEvent & { msg: string; level: number });
  for (const e of events) {
    expect(e).toMatchObject({ transport: name, level: 30 });
    expect(typeof e.t).toBe("number");
    expect(typeof e.msg).toBe("string");
  }
  return events.sort((a, b) => a.t - b.t);
}

const calls = (events: SocketEvent[], side: "client" | "server") =>
  events.filter((e) => e.side === side).map((e) => e.call);

describe.each(TRANSPORTS)("$name: the calls each side makes, in order", ({ name, type }) => {
  it("matches the socket API of its type", async () => {
    const events = await jsonEvents(name);
    const server = calls(events, "server");
    const client = calls(events, "client");
    if (type === "dgram") {
      // No listen(), no accept(): bind, then recvfrom/sendto per datagram.
      expect(server).toEqual(["socket", "bind", "recvfrom", "sendto", "recvfrom", "sendto", "close"]);
      const [send, recv] = name === "unix-dgram" ? ["sendto", "recvfrom"] : ["send", "recv"];
      const setup = name === "unix-dgram" ? ["socket", "bind"] : ["socket", "bind", "connect"];
      expect(client).toEqual([...setup, send, recv, send, recv, "close"]);
      expect(events.filter((e) => e.call === "listen" || e.call === "accept")).toEqual([]);
    } else {
      expect(server.slice(0, 5)).toEqual(["socket", "bind", "listen", "accept", "send"]);
      expect(server).toContain("recv");
      expect(server.indexOf("recv")).toBeLessThan(server.lastIndexOf("send"));
      expect(server.at(-1)).toBe("close");
      expect(client.slice(0, 3)).toEqual(["socket", "connect", "recv"]);
      expect(client).toContain("send");
      expect(client.at(-1)).toBe("close");
    }
    // Node folds socket+bind+listen into server.listen(), and accepts by itself: marked as inferred.
    // On the playground's own addon (unix-dgram, unix-seqpacket) every call is one of ours: none is.
    const addon = name === "unix-dgram" || name === "unix-seqpacket";
    if (addon) expect(events.filter((e) => e.inferred)).toEqual([]);
    else {
      const folded = ["socket", "listen", "accept"];
      const setup = events.filter((e) => e.side === "server" && folded.includes(e.call));
      expect(setup.every((e) => e.inferred && e.via)).toBe(true);
    }
    if (name === "unix-seqpacket") {
      const own = events.filter((e) => e.side === "server" && ["bind", "listen"].includes(e.call));
      expect(own.map((e) => [e.call, e.inferred, e.via])).toEqual([
        ["bind", false, "socket.bind()"],
        ["listen", false, "socket.listen()"],
      ]);
    }
  });

  if (type !== "stream") {
    it("keeps boundaries: each send arrives as one receive of the same size", async () => {
      const events = await jsonEvents(name);
      const sizes = (side: string, prefix: string) =>
        events.filter((e) => e.side === side && e.call.startsWith(prefix) && e.bytes).map((e) => e.bytes);
      expect(sizes("server", "recv")).toEqual(sizes("client", "send"));
      expect(sizes("client", "recv")).toEqual(sizes("server", "send"));
    });
  }

  it("--format mermaid shows the same calls, in the same order, as --json", async () => {
    const events = await jsonEvents(name);
    const { code, stdout } = await playground(["--transport", name, "--format", "mermaid"]);
    expect(code).toBe(0);
    // After the header, and before the legend of inferred calls where there is one (the addon's
    // transports make every call themselves, so theirs has none).
    const statements = stdout
      .trim()
      .split("\n")
      .slice(3)
      .filter((line) => !line.includes("Note over C,S: * inferred"));
    // A call is drawn as name(…); a happening as what it is: "message ended: …" and "EOF ('end'
    // event)" are --json's message-end and eof.
    const mermaidCalls = statements.map((line) => {
      const drawn = /(?:->>[CS]|Note over [CS]): (?:(\w+)\(|(message ended):|(EOF) \('end' event\))/.exec(
        line,
      );
      return drawn?.[1] ?? (drawn?.[2] ? "message-end" : drawn?.[3] ? "eof" : undefined);
    });
    // Each run has its own timing, so compare the call sequences per side.
    for (const side of ["C", "S"] as const) {
      const ofSide = statements.map((l, i) =>
        new RegExp(`^\\s+(${side}->>|Note over ${side}:)`).test(l) ? mermaidCalls[i] : undefined,
      );
      expect(ofSide.filter(Boolean)).toEqual(
        events.filter((e) => e.side === (side === "C" ? "client" : "server")).map((e) => e.call),
      );
    }
  });
});

describe("the ladder", () => {
  it("is the default view of run, fits in 100 columns, and has no colour when piped", async () => {
    const { code, stdout } = await playground(["--transport", "tcp4"]);
    expect(code).toBe(0);
    expect(stdout).not.toContain("\x1b[");
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^\s+ms client \(tcp4\)\s+server \(tcp4\)$/);
    expect(
      Math.max(...lines.filter((l) => !l.startsWith("  •")).map((l) => [...l].length)),
    ).toBeLessThanOrEqual(100);
    expect(stdout).toMatch(/◀─+ 22 B "Welcome to the server!" ─+ send\(22 B\)/);
    expect(stdout).toMatch(/send\(34 B\)\s+─+ 34 B "Hello, Server!/);
    expect(stdout).toMatch(/socket\(\), bind\(\), listen\(\) — inside server\.listen\(\)/);
    expect(stdout).toMatch(/accept\(\) — before the 'connection' event/);
    expect(stdout).toMatch(/Notes:\n {2}• accept\(\) returned a new socket[^•]*— accept\(2\)/);
  });

  it("notes what is special to the family and type, citing the man page", async () => {
    const udp = (await playground(["--transport", "udp4"])).stdout;
    expect(udp).toMatch(/No listen\(\) and no accept\(\) for datagrams[^•]*udp\(7\)/);
    expect(udp).toMatch(/connect\(\) on a datagram socket sends nothing[^•]*connect\(2\)/);
    expect(udp).toMatch(/\(nothing sent: sets the peer\)/);
    const unixDgram = (await playground(["--transport", "unix-dgram"])).stdout;
    expect(unixDgram).toMatch(/client had to bind\(\) a path of its own[^•]*unix\(7\)/);
    expect(unixDgram).toMatch(/is a file that bind\(\) created[^•]*unlink\(\)ed/);
    const stream = (await playground(["--transport", "unix-stream", "--abstract"])).stdout;
    expect(stream).toMatch(/SOCK_STREAM keeps no message boundaries/);
    expect(stream).toMatch(/@socket-playground-\S+ is an abstract name: no file/);
  });
});
