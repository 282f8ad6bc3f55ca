// The link's conditions, in the kernel's own tools: nftables in each host's namespace for loss and the
// firewall (this kernel has no netem qdisc, and nftables' `numgen random` drops at random just as
// well), `ip link set mtu` on both veth ends, and netem's delay where the kernel has netem. Plain data
// and text here; lab.ts applies them.
import type { Host } from "./hosts.js";

/** What the server's firewall does to packets for its port (--firewall). */
export type FirewallAction = "drop" | "reject" | "unreachable";

export const FIREWALL_ACTIONS: readonly FirewallAction[] = ["drop", "reject", "unreachable"];

export interface LinkConditions {
  /** Percent of the packets arriving over the link that each host drops (each direction). */
  loss?: number;
  /** Both veth ends' MTU. */
  mtu?: number;
  /** netem delay on both ends, in ms (one way). */
  delayMs?: number;
}

export interface FirewallRule {
  port: number;
  proto: "tcp" | "udp";
  action: FirewallAction;
}

/** The one table the tool keeps in a namespace: replaced whole, so a change is one atomic transaction. */
export const NFT_TABLE = "playground";

/**
 * The ruleset for one host, as `nft -f` takes it: the table made (so that deleting it cannot fail),
 * deleted and made again with its rules, in one transaction. Only packets that came over the link are
 * touched (iifname): the host's own loopback never loses a packet.
 */
export function rulesetFor(host: Host, loss: number, firewall: readonly FirewallRule[]): string {
  const on = `iifname "${host.device}"`;
  const rules = [...firewall.map((rule) => `${on} ${firewallRule(rule)}`), ...lossRules(on, loss)];
  return [
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    ...rules.map((rule) => `    ${rule}`),
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * `numgen random mod 100` gives 0 to 99, and nft takes no bound above 99 (`< 100` is refused as out of
 * range): 100 % is a plain drop of everything that arrives over the link.
 */
function lossRules(on: string, loss: number): string[] {
  if (loss <= 0) return [];
  return [loss >= 100 ? `${on} drop` : `${on} numgen random mod 100 < ${loss} drop`];
}

/**
 * drop: silence, the sender retries until it gives up. reject: what a closed port answers — a TCP
 * reset, or ICMP port unreachable for UDP (ECONNREFUSED either way). unreachable: ICMP host unreachable
 * (ICMPv6 address unreachable), which connect() reports as EHOSTUNREACH. icmpx picks the ICMP of the
 * packet's own family in an inet table.
 */
function firewallRule({ port, proto, action }: FirewallRule): string {
  const match = `${proto} dport ${port}`;
  if (action === "drop") return `${match} drop`;
  if (action === "unreachable") return `${match} reject with icmpx type host-unreachable`;
  return proto === "tcp"
    ? `${match} reject with tcp reset`
    : `${match} reject with icmpx type port-unreachable`;
}

/** The conditions in a few words, for a heading: "loss 10 %, MTU 1280". */
export function conditionsText(conditions: LinkConditions, firewall?: FirewallAction): string {
  const parts = [
    conditions.loss ? `loss ${conditions.loss} % each way` : "",
    conditions.mtu ? `MTU ${conditions.mtu}` : "",
    conditions.delayMs ? `delay ${conditions.delayMs} ms each way` : "",
    firewall ? `firewall ${firewall} on the server's port` : "",
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "no loss, MTU 1500";
}
