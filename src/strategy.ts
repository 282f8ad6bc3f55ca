// --family/--type (or --transport) -> one of the seven transports (their table: transports/facts.ts).
// One function, in the manner of Go's parseNetwork: everything else asks this module, and a pair the
// table lacks is a usage error that lists the pairs that exist.
import { didYouMean } from "./commands/did-you-mean.js";
import { UsageError } from "./errors.js";
import {
  type Family,
  factsOf,
  type SocketType,
  TRANSPORT_NAMES,
  TRANSPORTS,
  type TransportName,
} from "./transports/facts.js";

export { TRANSPORT_NAMES };

// The C names are accepted too, so people can type what socket(2) says.
const FAMILY_NAMES: Record<string, Family> = {
  inet: "inet",
  af_inet: "inet",
  pf_inet: "inet",
  inet6: "inet6",
  af_inet6: "inet6",
  pf_inet6: "inet6",
  unix: "unix",
  local: "unix",
  af_unix: "unix",
  af_local: "unix",
  pf_unix: "unix",
  pf_local: "unix",
};

const TYPE_NAMES: Record<string, SocketType> = {
  stream: "stream",
  sock_stream: "stream",
  dgram: "dgram",
  datagram: "dgram",
  sock_dgram: "dgram",
  seqpacket: "seqpacket",
  sock_seqpacket: "seqpacket",
};

export function parseFamily(text: string): Family {
  const family = FAMILY_NAMES[text.toLowerCase()];
  if (!family)
    throw new UsageError(
      `unknown --family '${text}': use inet, inet6 or unix (AF_INET, AF_INET6, AF_UNIX)${nearName(text, FAMILY_NAMES)}`,
    );
  return family;
}

export function parseType(text: string): SocketType {
  const type = TYPE_NAMES[text.toLowerCase()];
  if (!type) {
    throw new UsageError(
      `unknown --type '${text}': use stream, dgram or seqpacket (SOCK_STREAM, SOCK_DGRAM, ...)${nearName(text, TYPE_NAMES)}`,
    );
  }
  return type;
}

/** The did-you-mean for a --family or --type: a C name as C spells it (AF_UNIX), the others as they are. */
function nearName(text: string, names: Record<string, unknown>): string {
  return didYouMean(text, Object.keys(names), (name) => (name.includes("_") ? name.toUpperCase() : name));
}

export function parseTransportName(text: string): TransportName {
  const found = TRANSPORTS.find((t) => t.name === text.toLowerCase());
  if (!found) {
    throw new UsageError(
      `unknown --transport '${text}': use one of ${TRANSPORT_NAMES.join(", ")}${didYouMean(text, TRANSPORT_NAMES)}`,
    );
  }
  return found.name;
}

/**
 * A list of transports as --transport (or --transports) takes it on compare, bench and experiment:
 * comma-separated names, `all` for every one; blanks around names and empty items (a trailing comma)
 * are ignored, a name given twice counts once, in the order first given. Undefined: every transport.
 */
export function parseTransportList(text: string | undefined): TransportName[] {
  if (text === undefined) return [...TRANSPORT_NAMES];
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0)
    throw new UsageError(`--transport '${text}': give transport names, comma-separated, or all`);
  if (items.some((item) => item.toLowerCase() === "all")) return [...TRANSPORT_NAMES];
  return [...new Set(items.map(parseTransportName))];
}

export function familyTypeOf(name: TransportName): { family: Family; type: SocketType } {
  const { family, type } = factsOf(name);
  return { family, type };
}

/** The transport the flags choose; inet + stream (TCP over IPv4) when none are given. */
export function chooseTransport(flags: {
  family?: string;
  type?: string;
  transport?: string;
}): TransportName {
  if (flags.transport !== undefined) {
    const name = parseTransportName(flags.transport);
    const { family, type } = familyTypeOf(name);
    if (flags.family !== undefined && parseFamily(flags.family) !== family) {
      throw new UsageError(`--transport ${name} is --family ${family}, not --family ${flags.family}`);
    }
    if (flags.type !== undefined && parseType(flags.type) !== type) {
      throw new UsageError(`--transport ${name} is --type ${type}, not --type ${flags.type}`);
    }
    return name;
  }
  const family = flags.family === undefined ? "inet" : parseFamily(flags.family);
  const type = flags.type === undefined ? "stream" : parseType(flags.type);
  const row = TRANSPORTS.find((t) => t.family === family && t.type === type);
  if (!row) {
    const pairs = TRANSPORTS.map((t) => `${t.family}/${t.type}`).join(", ");
    throw new UsageError(`there is no --family ${family} --type ${type} transport; the pairs are: ${pairs}`);
  }
  return row.name;
}
