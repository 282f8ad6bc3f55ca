// The lab's two hosts, as names and addresses only: socket-free and process-free, so that help texts,
// flag checks and views can name them without loading what builds the lab (lab.ts).
//
//   host     network namespace     veth end        IPv4            IPv6
//   server   spg-<pid>-server      spg<pid>s       169.254.77.1    fd77:77::1
//   client   spg-<pid>-client      spg<pid>c       169.254.77.2    fd77:77::2
//
// <pid> is the process that made the lab: a later run tells a dead run's leftovers (its pid no longer
// alive) from another live run's, which it never touches. The addresses exist only inside the lab:
// 169.254.0.0/16 is link-local (RFC 3927) and fd00::/8 unique local (RFC 4193); neither namespace has
// a default route, so nothing is ever routed out.

export type HostRole = "server" | "client";

export interface Host {
  role: HostRole;
  /** The network namespace, as `ip netns` names it. */
  netns: string;
  /** Its end of the veth pair (at most 15 bytes: IFNAMSIZ). */
  device: string;
  ipv4: string;
  ipv6: string;
}

/** Every name the tool gives a namespace starts with this. */
export const LAB_PREFIX = "spg";

export const LAB_IPV4 = { server: "169.254.77.1", client: "169.254.77.2", prefix: 24 } as const;
export const LAB_IPV6 = { server: "fd77:77::1", client: "fd77:77::2", prefix: 64 } as const;

export function hostOf(role: HostRole, pid = process.pid): Host {
  return {
    role,
    netns: `${LAB_PREFIX}-${pid}-${role}`,
    device: `${LAB_PREFIX}${pid}${role === "server" ? "s" : "c"}`,
    ipv4: LAB_IPV4[role],
    ipv6: LAB_IPV6[role],
  };
}

/** The pid a namespace of ours was made by, or undefined for a name that is not ours. */
export function ownerOf(netns: string): number | undefined {
  const m = new RegExp(`^${LAB_PREFIX}-(\\d+)-(server|client)$`).exec(netns);
  return m ? Number(m[1]) : undefined;
}

/** What a ladder's lane says of a host: its namespace and its address in the run's family. */
export function hostLabel(host: Host, family: "inet" | "inet6" | "unix"): string[] {
  if (family === "unix") return [`netns ${host.netns}`];
  return [`netns ${host.netns}`, family === "inet6" ? host.ipv6 : host.ipv4];
}
