// The same calls as a Mermaid sequenceDiagram, which GitHub renders: one statement per row of the
// layout (layout.ts), in order — an arrow for what crosses between client and server, a note for the rest.
import type { SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import type { Wire } from "../wire/wire.js";
import { inTimeOrderWith, type Lane, type LaneHosts, type LaneId, type Layout, layoutOf } from "./layout.js";

/** Each lane's participant name in the diagram. */
const PARTICIPANT: Record<LaneId, string> = { client: "C", wire: "W", server: "S" };

export function renderMermaid(
  events: readonly SocketEvent[],
  transport: TransportInfo,
  wire?: Wire,
  hosts?: LaneHosts,
): string {
  return drawMermaid(layoutOf(events, transport, undefined, wire, hosts));
}

export function drawMermaid(layout: Layout<unknown>): string {
  const lines = [
    "sequenceDiagram",
    ...layout.lanes.map(
      (lane) =>
        `    participant ${PARTICIPANT[lane.id]} as ${mermaidText([lane.label, ...(lane.host ?? [])].join(", "))}`,
    ),
  ];
  for (const why of [layout.wire?.none, layout.wire?.noStates]) {
    if (why) lines.push(`    Note over W: ${mermaidText(why)}`);
  }
  for (const row of inTimeOrderWith(layout)) {
    if (row.kind === "state") {
      lines.push(`    Note over ${PARTICIPANT[row.side]}: ${mermaidText(row.text)}`);
      continue;
    }
    if (row.kind === "packet") {
      const arrow = row.from === "client" ? "→" : "←";
      lines.push(`    Note over W: ${arrow} ${mermaidText(row.text)}`);
      continue;
    }
    const self = PARTICIPANT[row.lane];
    const text = mermaidText(row.text);
    const c = row.crossing;
    if (c && c.what !== "nothing") {
      const preview = c.what === "data" ? c.preview : undefined;
      const data = preview === undefined ? "" : ` ${mermaidText(JSON.stringify(preview))}`;
      lines.push(`    ${self}->>${PARTICIPANT[c.to]}: ${text}${data}`);
    } else {
      lines.push(`    Note over ${self}: ${text}${row.errno ? ` ${mermaidText(row.message ?? "")}` : ""}`);
    }
  }
  if (layout.rows.some((row) => row.inferred)) {
    const [first, last] = [layout.lanes[0], layout.lanes.at(-1)] as [Lane, Lane];
    lines.push(
      `    Note over ${PARTICIPANT[first.id]},${PARTICIPANT[last.id]}: * inferred: Node made the call without a call of ours that names it`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Mermaid ends a statement at ";" and reads "#…;" as an entity: write both as entities. */
function mermaidText(text: string): string {
  return text
    .replace(/#/g, "#35;")
    .replace(/;/g, "#59;")
    .replace(/[\r\n]/g, " ");
}
