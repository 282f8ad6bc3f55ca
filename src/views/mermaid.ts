// The same calls as a Mermaid sequenceDiagram, which GitHub renders: one statement per SocketEvent,
// in order — an arrow for what crosses between client and server, a note for the rest.
import { inTimeOrder, type SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import { callText } from "./ladder.js";

export function renderMermaid(events: readonly SocketEvent[], transport: TransportInfo): string {
  const lines = [
    "sequenceDiagram",
    `    participant C as client (${transport.name})`,
    `    participant S as server (${transport.name})`,
  ];
  for (const e of inTimeOrder(events)) {
    const [self, other] = e.side === "client" ? ["C", "S"] : ["S", "C"];
    const text = mermaidText(callText(e));
    const crosses =
      !e.errno &&
      (e.call === "send" ||
        e.call === "sendto" ||
        e.call === "shutdown" ||
        (e.call === "connect" && transport.connectionOriented));
    if (crosses) {
      const data = e.preview === undefined ? "" : ` ${mermaidText(JSON.stringify(e.preview))}`;
      lines.push(`    ${self}->>${other}: ${text}${data}`);
    } else {
      lines.push(`    Note over ${self}: ${text}${e.errno ? ` ${mermaidText(e.message ?? "")}` : ""}`);
    }
  }
  if (events.some((e) => e.inferred)) {
    lines.push("    Note over C,S: * inferred: Node made the call without a call of ours that names it");
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
