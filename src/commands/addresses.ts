// From flags to the address strings the transports take, with the checks a user should hear about
// before any socket exists.
import { lookup } from "node:dns/promises";
import { lstatSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { tempDir } from "../leftovers.js";
import { familyTypeOf } from "../strategy.js";
import { formatInet, isAbstract, UNIX_PATH_MAX } from "../transports/address.js";
import type { TransportName } from "../transports/transport.js";

export const DEFAULT_PORT = 1234;

export interface AddressFlags {
  host?: string;
  port?: number;
  path?: string;
}

/** What the address is for: a server binds it, a client connects to a server bound there. */
export type Role = "bind" | "connect";

/** Where `server` binds and `client` connects: --host/--port, or --path for unix. */
export async function namedAddress(
  name: TransportName,
  flags: AddressFlags,
  role: Role = "bind",
): Promise<string> {
  const { family, type } = familyTypeOf(name);
  if (family === "unix") {
    if (flags.host !== undefined || flags.port !== undefined) {
      throw new UsageError(
        "--host and --port are for inet and inet6; a unix socket takes --path (a path or @name)",
      );
    }
    return checkUnixPath(flags.path ?? join(tmpdir(), `socket-playground-${type}.sock`), role);
  }
  if (flags.path !== undefined)
    throw new UsageError("--path is for --family unix; inet and inet6 take --host and --port");
  const port = flags.port ?? DEFAULT_PORT; // in range: the CLI checks it (validate.ts)
  const host = await resolveHost(
    flags.host ?? (family === "inet6" ? "::1" : "127.0.0.1"),
    family === "inet6" ? 6 : 4,
    name,
  );
  return formatInet(host, port);
}

/** A fresh address for `run`: an ephemeral port, or a socket in a private temp dir (removed by cleanup). */
export function freshAddress(
  name: TransportName,
  flags: { abstract?: boolean },
): { address: string; cleanup(): void } {
  const { family, type } = familyTypeOf(name);
  if (family === "inet") return { address: "127.0.0.1:0", cleanup: () => {} };
  if (family === "inet6") return { address: "[::1]:0", cleanup: () => {} };
  if (flags.abstract) {
    const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    return { address: `@socket-playground-${type}-${suffix}`, cleanup: () => {} };
  }
  const dir = tempDir("playground-");
  return { address: join(dir.path, `${type}.sock`), cleanup: dir.remove };
}

/** A client's fix is the server's path: its errors speak of connecting, never of making a file. */
const SERVER_PATH = "give the --path the server was started with (its first line says where it listens)";

function checkUnixPath(path: string, role: Role): string {
  if (isAbstract(path)) {
    if (path.length < 2) throw new UsageError("--path @ needs a name after the @, e.g. --path @playground");
    return path;
  }
  const bytes = Buffer.byteLength(path);
  if (bytes > UNIX_PATH_MAX) {
    throw new UsageError(
      `--path is ${bytes} bytes; a unix socket path holds at most ${UNIX_PATH_MAX} (unix(7)): use a shorter one`,
    );
  }
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--path ${path}: ${dir} is not a directory`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const { code } = err as NodeJS.ErrnoException;
    if (code === "EACCES" || code === "EPERM") throw unreachable(path, code, role);
    throw new UsageError(
      role === "connect"
        ? `--path ${path}: the directory ${dir} does not exist, so no server is bound there — ${SERVER_PATH}`
        : `--path ${path}: the directory ${dir} does not exist — create it or choose another path`,
    );
  }
  refuseNonSocket(path, role);
  return path;
}

/**
 * Something that is not a socket at --path: a server never deletes it, and a client cannot connect to
 * it; the kernel would say EADDRINUSE or ECONNREFUSED, which point the wrong way.
 */
function refuseNonSocket(path: string, role: Role): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    throw unreachable(path, (err as NodeJS.ErrnoException).code ?? "EACCES", role);
  }
  if (!stat || stat.isSocket() || stat.isSymbolicLink()) return;
  const what = stat.isDirectory() ? "a directory" : "a file that is not a socket";
  if (role === "connect")
    throw new UsageError(`--path ${path} is ${what}, so no server is bound there — ${SERVER_PATH}`);
  const example = stat.isDirectory() ? join(path, "sp.sock") : `${path}.sock`;
  throw new UsageError(
    `--path ${path} is ${what}, and a server never deletes one — name a socket file instead, such as ${example}`,
  );
}

/** A directory on the way to --path that this user may not search (x permission): EACCES for any call. */
function unreachable(path: string, code: string, role: Role): UsageError {
  const fix =
    role === "connect"
      ? "a server for this user must listen where this user can reach, such as under /tmp"
      : "choose a path you can reach, such as under /tmp";
  return new UsageError(
    `--path ${path}: this user may not enter ${dirname(path)}, or a directory above it (${code}) — ${fix}`,
  );
}

/**
 * The address --host names, in the family the transport is: lookup() hands an IP literal back as it
 * is, whatever family was asked for, and a tcp6 label on a socket bound to 127.0.0.1 would be a lie.
 */
async function resolveHost(host: string, family: 4 | 6, name: TransportName): Promise<string> {
  const usual = family === 6 ? "::1" : "127.0.0.1";
  let found: { address: string; family: number };
  try {
    found = await lookup(host, { family });
  } catch {
    throw new UsageError(`--host ${host} has no IPv${family} address here — use ${usual}`);
  }
  // ::ffff:127.0.0.1 is IPv4 in IPv6's clothes: the packets are IPv4, and an IPv6-only socket refuses it.
  const mapped = family === 6 && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(found.address);
  if (found.family !== family || mapped) {
    const other = family === 6 ? "inet" : "inet6";
    throw new UsageError(
      `--host ${host} is an IPv${mapped ? "4-mapped" : found.family} address, and ${name} is IPv${family} — use --host ${usual}, or --family ${other} for ${mapped ? found.address.slice(7) : host}`,
    );
  }
  return found.address;
}
