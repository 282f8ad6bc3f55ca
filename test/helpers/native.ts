// The addon (native/unix_socket.c) as the tests of test/native/ use it: sockets closed after each test,
// waits for readability through the addon's own watch(), and python3 peers that speak the kernel's
// API directly (exact-length abstract names, SO_PEERCRED, SCM_CREDENTIALS).
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { loadNative, type Received, type UnixSocket } from "../../src/transports/unix-addon/native.js";
import { PYTHON, requireTool } from "./peers.js";

export const { UnixSocket: Socket, constants: C } = loadNative();

const open: UnixSocket[] = [];
const children: ChildProcess[] = [];

/** A new socket of this type, closed by closeAll(). */
export function socket(type: number): UnixSocket {
  const s = new Socket(type);
  open.push(s);
  return s;
}

/** Call from afterEach. */
export function closeAll(): void {
  for (const s of open.splice(0)) s.close();
  for (const child of children.splice(0)) child.kill("SIGKILL");
}

/** A name as the addon takes it: a path's bytes, or "@name" as a 0 byte and the name, exactly. */
export function name(address: string): Buffer {
  return address.startsWith("@") ? Buffer.from(`\0${address.slice(1)}`) : Buffer.from(address);
}

/** A unique abstract name, so parallel test files never meet. */
export function abstractName(label: string): string {
  return `@playground-test-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The error `action` throws (fails the test if it throws none). */
export function thrown(action: () => unknown): NodeJS.ErrnoException {
  try {
    action();
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  throw new Error("expected a throw");
}

/** The next watch callback saying `readable` (status and all), then the watch stops. */
export function whenReadable(s: UnixSocket): Promise<{ status: number; readable: boolean }> {
  return new Promise((resolve) => {
    s.watch(true, false, (status, readable) => {
      if (status === 0 && !readable) return;
      s.unwatch();
      resolve({ status, readable });
    });
  });
}

/** recv() once the socket is readable. */
export async function recvWhenReady(s: UnixSocket, size = 65_536, fds = true): Promise<Received> {
  for (;;) {
    const got = s.recv(size, fds);
    if (got) return got;
    await whenReadable(s);
  }
}

/** A connected pair of this type, via a listener on an abstract name: [client, accepted]. */
export function connectedPair(type: number): [UnixSocket, UnixSocket] {
  const listener = socket(type);
  const at = name(abstractName("pair"));
  listener.bind(at);
  listener.listen(8);
  const client = socket(type);
  client.connect(at);
  const accepted = listener.accept();
  if (!accepted) throw new Error("accept() found no connection");
  open.push(accepted);
  listener.close();
  return [client, accepted];
}

/**
 * A python3 child running `script` (argv[1:] = args); it is killed by closeAll(). Resolves once it
 * prints its first line ("ready", say), with the child and the lines it printed after.
 */
export async function pythonPeer(
  script: string,
  args: string[],
): Promise<{ child: ChildProcess; first: string; lines: AsyncIterableIterator<string> }> {
  requireTool(PYTHON);
  const child = spawn(PYTHON, ["-c", script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`the python3 peer exited before it was ready: ${script}`);
  return { child, first: first.value, lines };
}
