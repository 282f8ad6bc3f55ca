// Addresses in the lab, as the lab's peer takes them: host:port, [v6]:port.
import type { Host } from "../../lab/hosts.js";
import type { TransportName } from "../../transports/transport.js";

export const isV6 = (name: TransportName) => name === "tcp6" || name === "udp6";

/** `host`'s lab address in `name`'s family. */
export function ipOf(host: Host, name: TransportName): string {
  return isV6(name) ? host.ipv6 : host.ipv4;
}

/** An address and port as the peer takes it. */
export function at(ip: string, port: number | string): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The loopback address and the any address of `name`'s family. */
export function loopbackOf(name: TransportName): string {
  return isV6(name) ? "::1" : "127.0.0.1";
}

export function anyOf(name: TransportName): string {
  return isV6(name) ? "::" : "0.0.0.0";
}
