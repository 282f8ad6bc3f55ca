// strace's log as data: one Syscall per system call, in the order the calls finished. With -f strace
// prefixes each line with the thread's id, and when another thread's call is printed in the middle of
// one it splits that call in two:
//
//   18691 read(20<TCP:[127.0.0.1:41364->127.0.0.1:34755]>,  <unfinished ...>
//   18712 write(1<pipe:[4321]>, "{\"level\":30,...}"..., 847) = 847
//   18691 <... read resumed>"Welcome to the server!", 65536) = 22
//
// The two halves are joined back into one call here. -yy adds `<TCP:[local->remote]>` after every fd.

export interface Syscall {
  /** The thread that made the call (strace -f's prefix), when there is one. */
  pid?: number;
  name: string;
  /** The arguments as strace wrote them, -yy's annotations included. */
  args: string;
  /** The return value; undefined when strace printed `?` (the thread went away in the call). */
  result?: number;
  /** -yy's annotation on a returned fd: `TCP:[127.0.0.1:34755->127.0.0.1:41364]`. */
  resultNote?: string;
  /** The errno name when the call failed: EAGAIN, EINPROGRESS. */
  errno?: string;
  /** strace's explanation of the errno: `Resource temporarily unavailable`. */
  errnoText?: string;
  /** The whole call on one line, as strace wrote it (split halves joined, padding squeezed). */
  text: string;
}

const PREFIX = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(.*)$/;
const UNFINISHED = /^(\w+)\((.*?) ?<unfinished \.\.\.>$/;
const RESUMED = /^<\.\.\. (\w+) resumed>(.*)$/;
const FINISHED =
  /^(\w+)\((.*)\)\s+=\s+(-?\d+|0x[0-9a-f]+|\?)(?:<(.*)>)?(?:\s+(E[A-Z0-9]+)\s+\((.*)\))?(?:\s+\(.*\))?$/;

export function parseStrace(log: string): Syscall[] {
  const calls: Syscall[] = [];
  const started = new Map<number, { name: string; head: string }>();
  for (const line of log.split("\n")) {
    const [, bracketed, bare, rest = ""] = PREFIX.exec(line) as RegExpExecArray;
    const pidText = bracketed ?? bare;
    const pid = pidText === undefined ? undefined : Number(pidText);
    const key = pid ?? 0;

    const unfinished = UNFINISHED.exec(rest);
    if (unfinished) {
      started.set(key, { name: unfinished[1] as string, head: unfinished[2] as string });
      continue;
    }
    let body = rest;
    const resumed = RESUMED.exec(rest);
    if (resumed) {
      const head = started.get(key);
      if (!head || head.name !== resumed[1]) continue; // its first half came before the log began
      started.delete(key);
      body = `${head.name}(${head.head}${resumed[2]}`;
    }
    const call = parseCall(body, pid);
    if (call) calls.push(call);
  }
  return calls;
}

/** One finished call, `name(args) = result`, without a prefix; undefined for anything else strace prints. */
function parseCall(body: string, pid?: number): Syscall | undefined {
  const m = FINISHED.exec(body);
  if (!m) return undefined;
  const [, name = "", args = "", value = "?", note, errno, errnoText] = m;
  const result = value === "?" ? undefined : Number(value);
  const returned = `${value}${note === undefined ? "" : `<${note}>`}`;
  const failed = errno === undefined ? "" : ` ${errno} (${errnoText})`;
  return {
    ...(pid === undefined ? {} : { pid }),
    name,
    args,
    ...(result === undefined ? {} : { result }),
    ...(note === undefined ? {} : { resultNote: note }),
    ...(errno === undefined ? {} : { errno, errnoText }),
    text: `${name}(${args}) = ${returned}${failed}`,
  };
}

const FD_ARG = /^(\d+)(?:<([A-Za-z0-9-]+):\[(.*?)\]>|<[^>]*>)?/;

/** The fd a call acts on: its first argument, when that is a number. */
export function fdArgument(call: Syscall): number | undefined {
  const m = FD_ARG.exec(call.args);
  return m ? Number(m[1]) : undefined;
}

/**
 * The socket's own address from a -yy annotation, in the form SocketEvents use: `127.0.0.1:34755`,
 * `[::1]:33793`, `/tmp/x/stream.sock`, `@name`; undefined while the socket has none (`TCP:[101565]`).
 */
export function localAddress(annotation: string): string | undefined {
  const inner = /^[A-Za-z0-9-]+:\[(.*)\]$/.exec(annotation)?.[1];
  if (inner === undefined) return undefined;
  const unix = /,(@?)"(.*)"$/.exec(inner);
  if (unix) return `${unix[1]}${unix[2]}`;
  const local = inner.split("->")[0] as string;
  return local.includes(":") ? local : undefined;
}

/** The -yy annotation on the fd a call acts on: `TCP:[127.0.0.1:34755]`. */
export function fdAnnotation(call: Syscall): string | undefined {
  const m = FD_ARG.exec(call.args);
  return m?.[2] === undefined ? undefined : `${m[2]}:[${m[3]}]`;
}

/** The call as a person reads it: no -yy annotations, so the fd numbers stand out. */
export function withoutAnnotations(call: Syscall): { name: string; args: string; returned: string } {
  const args = call.args.replace(FD_ARG, "$1");
  const returned =
    call.errno !== undefined
      ? `${call.result ?? "?"} ${call.errno}`
      : call.result === undefined
        ? "?"
        : String(call.result);
  return { name: call.name, args, returned };
}
