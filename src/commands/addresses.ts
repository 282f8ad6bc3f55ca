// From flags to the address strings the transports take, with the checks a user should hear about
// before any socket exists.
import { lookup } from "node:dns/promises";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { familyTypeOf } from "../strategy.js";
import { formatInet, isAbstract, UNIX_PATH_MAX, whyNoAbstract } from "../transports/address.js";
import type { TransportName } from "../transports/transport.js";

export const DEFAULT_PORT = 1234;

export interface AddressFlags {
  host?: string;
  port?: number;
  path?: string;
}

/** Where `server` binds and `client` connects: --host/--port, or --path for unix. */
export async function namedAddress(name: TransportName, flags: AddressFlags): Promise<string> {
  const { family, type } = familyTypeOf(name);
  if (family === "unix") {
    if (flags.host !== undefined || flags.port !== undefined) {
      throw new UsageError(
        "--host and --port are for inet and inet6; a unix socket takes --path (a path or @name)",
      );
    }
    return checkUnixPath(name, flags.path ?? join(tmpdir(), `socket-playground-${type}.sock`));
  }
  if (flags.path !== undefined)
    throw new UsageError("--path is for --family unix; inet and inet6 take --host and --port");
  const port = flags.port ?? DEFAULT_PORT; // in range: the CLI checks it (validate.ts)
  const host = await resolveHost(
    flags.host ?? (family === "inet6" ? "::1" : "127.0.0.1"),
    family === "inet6" ? 6 : 4,
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
    refuseAbstract(name, "--abstract");
    const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    return { address: `@socket-playground-${type}-${suffix}`, cleanup: () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), "playground-"));
  return { address: join(dir, `${type}.sock`), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function checkUnixPath(name: TransportName, path: string): string {
  if (isAbstract(path)) {
    refuseAbstract(name, `--path ${path}`);
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
    throw new UsageError(
      `--path ${path}: the directory ${dir} does not exist — create it or choose another path`,
    );
  }
  return path;
}

/** Only unix-stream takes an @name here (see whyNoAbstract): refuse rather than fake it. */
function refuseAbstract(name: TransportName, flag: string): void {
  if (name === "unix-stream") return;
  throw new UsageError(
    `${flag}: ${name} cannot use an abstract name — ${whyNoAbstract(name)}; use a path, or --transport unix-stream`,
  );
}

async function resolveHost(host: string, family: 4 | 6): Promise<string> {
  try {
    return (await lookup(host, { family })).address;
  } catch {
    throw new UsageError(
      `--host ${host} has no IPv${family} address here — use ${family === 6 ? "::1" : "127.0.0.1"}`,
    );
  }
}
