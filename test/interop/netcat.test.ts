// Real peers that nobody wrote for us: OpenBSD netcat and socat against `playground server`, used the
// way people use them at a terminal. A missing tool fails the test with what to install: a CI image
// without nc must not look green.
//
// What cannot be done: nc has no SOCK_SEQPACKET mode (only -U stream and -uU dgram), so seqpacket is
// reached with socat alone. nc cannot pad an abstract name (nc -U @name gives the exact length), so it
// cannot reach our abstract unix-stream server (node:net pads the name); the test below pins that down.
// unix-dgram and unix-seqpacket run on the playground's own addon, which passes @name at its exact
// length, as socat does by default: socat's ABSTRACT-SENDTO and ABSTRACT-CONNECT,type=5 meet them.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServerProcess } from "../helpers/cli.js";
import { abstractName, hostPort, literal, Peer, requireTool, stopAll, track } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const WELCOME = "Welcome to the server!";
const ACK = "Message received!";

afterEach(async () => {
  await stopAll();
  removeTempDirs();
});

/** `playground server` on port 0, or on a socket file in a fresh temp dir. */
async function ourServer(
  transport: string,
  more: string[] = [],
): Promise<{ server: ServerProcess; address: string; dir: string }> {
  const dir = tempDir();
  const where = transport.startsWith("unix") ? ["--path", join(dir, "server.sock")] : ["--port", "0"];
  const server = track(new ServerProcess(["--transport", transport, ...where, ...more]));
  return { server, address: await server.address(), dir };
}

/** The server read exactly `text` (one trailing newline is dropped when it prints). */
function serverReceived(server: ServerProcess, text: string) {
  return server.waitFor(new RegExp(`Received from client \\(session 1\\): ${literal(text)}\\n`));
}

/** A stream session from a pipe: `printf 'hi\n' | tool args`. Exactly the welcome, then the ack. */
async function pipedSession(server: ServerProcess, command: string, args: string[]) {
  const peer = new Peer(command, args, { input: "hi\n" });
  const done = await peer.exit();
  expect(done.stderr).toBe("");
  expect(done.stdout).toBe(WELCOME + ACK);
  expect(done.code).toBe(0);
  await serverReceived(server, "hi");
}

/**
 * A datagram session as a user types it: the first line is the hello and gets the welcome, the
 * second is the message and gets the ack. The hello is 8 bytes or more: the server sends an unproven
 * address at most 3 × what it received from it, and the welcome is 22 bytes. Each line must be its own datagram, so the second is typed
 * only once the welcome is in (piped together, both lines would go out in one read, one datagram).
 */
async function typedDatagramSession(server: ServerProcess, command: string, args: string[]) {
  const peer = new Peer(command, args);
  peer.write("hello server\n");
  await peer.waitFor(WELCOME);
  peer.write("hi\n");
  await peer.waitFor(ACK);
  peer.end();
  const done = await peer.exit();
  expect(done.stderr).toBe("");
  expect(done.stdout).toBe(WELCOME + ACK);
  expect(done.code).toBe(0);
  await server.waitFor(/Received from client \(session 1\): hello server\n/);
  await serverReceived(server, "hi");
}

describe("nc (netcat-openbsd)", () => {
  it("tcp4: printf 'hi\\n' | nc -N 127.0.0.1 PORT", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("tcp4");
    const { host, port } = hostPort(address);
    await pipedSession(server, "nc", ["-N", host, port]);
  });

  it("tcp4: without -N nc keeps its side open; the newline ends the message and our close ends nc", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("tcp4");
    const { host, port } = hostPort(address);
    await pipedSession(server, "nc", [host, port]);
  });

  it("tcp4: no newline and no -N: the first recv() is the message (the default, the lab's rule)", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("tcp4");
    const { host, port } = hostPort(address);
    const peer = new Peer("nc", [host, port]);
    await peer.waitFor(WELCOME);
    peer.write("hi");
    await peer.waitFor(ACK);
    peer.end(); // nc waits for its stdin too, after our close: Ctrl-D
    const done = await peer.exit();
    expect(done.stdout).toBe(WELCOME + ACK);
    expect(done.code).toBe(0);
    await serverReceived(server, "hi");
  });

  it("tcp4 --message-end newline: a line typed in two parts is read whole", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("tcp4", ["--message-end", "newline", "--log-level", "debug"]);
    const { host, port } = hostPort(address);
    const peer = new Peer("nc", [host, port]);
    await peer.waitFor(WELCOME);
    peer.write("hi ");
    await server.waitFor(/Received from client \(session 1\): hi \n/); // read, and not yet the message
    expect(server.output).not.toContain("message ended");
    expect(peer.stdout).toBe(WELCOME); // no ack for a part
    peer.write("there\n");
    await peer.waitFor(ACK);
    peer.end();
    const done = await peer.exit();
    expect(done.stdout).toBe(WELCOME + ACK);
    await server.waitFor(/server session 1: message ended: newline \(--message-end newline\)/);
  });

  it("tcp4 --message-end eof: several lines through nc -N are one message, ended by EOF", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("tcp4", ["--message-end", "eof", "--log-level", "debug"]);
    const { host, port } = hostPort(address);
    const peer = new Peer("nc", ["-N", host, port], { input: "one\ntwo\n" });
    const done = await peer.exit();
    expect(done.stdout).toBe(WELCOME + ACK);
    await server.waitFor(/server session 1: message ended: eof \(--message-end eof\)/);
  });

  it("tcp4: typed at the terminal: welcome, then a line, then the ack", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("tcp4");
    const { host, port } = hostPort(address);
    const peer = new Peer("nc", [host, port]);
    await peer.waitFor(WELCOME);
    peer.write("hi there\n");
    await peer.waitFor(ACK);
    peer.end(); // Ctrl-D: nc exits once both its stdin and the connection are done
    const done = await peer.exit();
    expect(done.stdout).toBe(WELCOME + ACK);
    expect(done.code).toBe(0);
    await serverReceived(server, "hi there");
  });

  it("tcp6: printf 'hi\\n' | nc -N ::1 PORT", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("tcp6");
    const { host, port } = hostPort(address);
    expect(host).toBe("::1");
    await pipedSession(server, "nc", ["-6", "-N", host, port]);
  });

  it("unix-stream: printf 'hi\\n' | nc -N -U PATH", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("unix-stream");
    await pipedSession(server, "nc", ["-N", "-U", address]);
  });

  it("unix-stream: nc -U @name gives the exact-length abstract name, so it cannot reach --path @name", async () => {
    requireTool("nc");
    const name = abstractName("nc");
    const server = track(new ServerProcess(["--transport", "unix-stream", "--path", name]));
    await server.address();
    const peer = new Peer("nc", ["-N", "-U", name], { input: "hi\n" });
    const done = await peer.exit();
    expect(done.code).toBe(1);
    expect(done.stdout).toBe("");
    expect(done.stderr).toMatch(/Connection refused/);
  });

  it("udp4: two lines typed into nc -u 127.0.0.1 PORT", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("udp4");
    const { host, port } = hostPort(address);
    // -q 0: quit at EOF on stdin, which comes once the ack is in (nc -u never hears an end otherwise).
    await typedDatagramSession(server, "nc", ["-u", "-q", "0", host, port]);
  });

  it("udp6: two lines typed into nc -u ::1 PORT", async () => {
    requireTool("nc");
    const { server, address } = await ourServer("udp6");
    const { host, port } = hostPort(address);
    await typedDatagramSession(server, "nc", ["-6", "-u", "-q", "0", host, port]);
  });

  it("unix-dgram: two lines typed into nc -uU -s OWN_PATH PATH", async () => {
    requireTool("nc");
    const { server, address, dir } = await ourServer("unix-dgram");
    // An unbound unix dgram client cannot be answered: nc binds -s (else /tmp/nc-XXXXXX/recv.sock).
    await typedDatagramSession(server, "nc", ["-uU", "-q", "0", "-s", join(dir, "nc.sock"), address]);
  });
});

describe("socat", () => {
  it("tcp4: printf 'hi\\n' | socat - TCP:127.0.0.1:PORT", async () => {
    requireTool("socat");
    const { server, address } = await ourServer("tcp4");
    await pipedSession(server, "socat", ["-", `TCP:${address}`]);
  });

  it("tcp6: printf 'hi\\n' | socat - TCP6:[::1]:PORT", async () => {
    requireTool("socat");
    const { server, address } = await ourServer("tcp6");
    await pipedSession(server, "socat", ["-", `TCP6:${address}`]);
  });

  it("udp4: two lines typed into socat - UDP:127.0.0.1:PORT", async () => {
    requireTool("socat");
    const { server, address } = await ourServer("udp4");
    await typedDatagramSession(server, "socat", ["-", `UDP:${address}`]);
  });

  it("udp6: two lines typed into socat - UDP6:[::1]:PORT", async () => {
    requireTool("socat");
    const { server, address } = await ourServer("udp6");
    await typedDatagramSession(server, "socat", ["-", `UDP6:${address}`]);
  });

  it("unix-stream: printf 'hi\\n' | socat - UNIX-CONNECT:PATH", async () => {
    requireTool("socat");
    const { server, address } = await ourServer("unix-stream");
    await pipedSession(server, "socat", ["-", `UNIX-CONNECT:${address}`]);
  });

  it("unix-dgram: two lines typed into socat - UNIX-SENDTO:PATH,bind=OWN_PATH", async () => {
    requireTool("socat");
    const { server, address, dir } = await ourServer("unix-dgram");
    await typedDatagramSession(server, "socat", [
      "-",
      `UNIX-SENDTO:${address},bind=${join(dir, "socat.sock")}`,
    ]);
  });

  it("unix-seqpacket: printf 'hi\\n' | socat - UNIX-CONNECT:PATH,type=5 (SOCK_SEQPACKET)", async () => {
    requireTool("socat");
    const { server, address } = await ourServer("unix-seqpacket");
    // A record keeps its newline: the server prints it with the one trailing newline dropped.
    await pipedSession(server, "socat", ["-", `UNIX-CONNECT:${address},type=5`]);
  });

  it("unix-stream abstract: socat - ABSTRACT-CONNECT:name,unix-tightsocklen=0 reaches --path @name", async () => {
    requireTool("socat");
    const name = abstractName("socat");
    const server = track(new ServerProcess(["--transport", "unix-stream", "--path", name]));
    expect(await server.address()).toBe(name);
    await pipedSession(server, "socat", ["-", `ABSTRACT-CONNECT:${name.slice(1)},unix-tightsocklen=0`]);
  });

  it("unix-seqpacket abstract: socat's default exact-length ABSTRACT-CONNECT:name,type=5 reaches --path @name", async () => {
    requireTool("socat");
    const name = abstractName("socat-sp");
    const server = track(new ServerProcess(["--transport", "unix-seqpacket", "--path", name]));
    expect(await server.address()).toBe(name);
    await pipedSession(server, "socat", ["-", `ABSTRACT-CONNECT:${name.slice(1)},type=5`]);
  });

  it("unix-dgram abstract: socat's default exact-length ABSTRACT-SENDTO:name reaches --path @name", async () => {
    requireTool("socat");
    const name = abstractName("socat-dg");
    const server = track(new ServerProcess(["--transport", "unix-dgram", "--path", name]));
    expect(await server.address()).toBe(name);
    // bind=: socat binds an abstract name of its own (exact length too), so the server can answer it.
    await typedDatagramSession(server, "socat", [
      "-",
      `ABSTRACT-SENDTO:${name.slice(1)},bind=${abstractName("socat-dg-client").slice(1)}`,
    ]);
  });

  it("unix-stream abstract: socat's default exact-length ABSTRACT-CONNECT:name is refused", async () => {
    requireTool("socat");
    const name = abstractName("socat-exact");
    const server = track(new ServerProcess(["--transport", "unix-stream", "--path", name]));
    await server.address();
    const peer = new Peer("socat", ["-", `ABSTRACT-CONNECT:${name.slice(1)}`], { input: "hi\n" });
    const done = await peer.exit();
    expect(done.code).not.toBe(0);
    expect(done.stdout).toBe("");
    expect(done.stderr).toMatch(/Connection refused/);
  });
});
