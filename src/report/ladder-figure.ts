// One run's ladder in the report: the SVG drawn from the run's Layout, the stars' legend, the notes with
// their man pages (notes.ts, and the wire's where it was captured: what the terminal prints under its
// ladder), and the terminal's own ladder as the figure's text alternative.
import type { SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import { drawLadder, inferredLegend } from "../views/ladder.js";
import { drawSvgLadder } from "../views/ladder-svg.js";
import { layoutOf } from "../views/layout.js";
import { escapeText } from "../views/markup.js";
import { notesFor } from "../views/notes.js";
import { wireNotes } from "../wire/notes.js";
import type { Wire } from "../wire/wire.js";

export interface LadderFigureOptions {
  /** Unique in the page. */
  id: string;
  /** What the run was: "the lab's session", "half-close". */
  what: string;
  /** The notes on what was special about the run (a transport's session has them; an experiment explains itself). */
  notes: boolean;
}

export function ladderFigure(
  events: readonly SocketEvent[],
  transport: TransportInfo,
  options: LadderFigureOptions,
  wire?: Wire,
): string {
  const layout = layoutOf(events, transport, undefined, wire);
  const arrows = layout.rows.filter((row) => row.crossing && row.crossing.what !== "nothing").length;
  const lanes = layout.lanes.map((lane) => lane.label).join(", ");
  const title = `${transport.name}: ${options.what}, as a ladder of socket calls`;
  const svg = drawSvgLadder(layout, {
    id: options.id,
    title,
    description:
      `Lanes, left to right: ${lanes}. ${layout.rows.length} steps in time order, ` +
      `${arrows} of them crossing from one side to the other.` +
      (layout.wire ? ` The wire lane holds ${layout.wire.rows.length} packets and TCP states.` : ""),
  });
  const legend = inferredLegend(layout);
  const notes = options.notes
    ? [...notesFor(events, transport), ...(wire ? wireNotes(wire, events) : [])]
    : [];
  return [
    `<figure class="ladder" id="${options.id}">`,
    svg,
    `<figcaption>${escapeText(title)}: time in milliseconds since the trace began.` +
      (legend.length > 0
        ? ` ${escapeText(legend[0] as string)} ${legend
            .slice(1)
            .map((line) => escapeText(line))
            .join("; ")}.`
        : "") +
      "</figcaption>",
    "</figure>",
    notes.length > 0
      ? `<ul class="notes">${notes.map((note) => `<li>${cited(note)}</li>`).join("")}</ul>`
      : "",
    `<details class="as-text"><summary>The ladder as text (as <code>playground</code> prints it)</summary>`,
    `<pre>${escapeText(drawLadder(layout, false).trimEnd())}</pre></details>`,
  ].join("\n");
}

/** A note, with the man pages or RFCs it ends with ("… — unix(7), link(2)") set as a citation. */
function cited(note: string): string {
  const at = note.lastIndexOf(" — ");
  if (at < 0) return escapeText(note);
  return `${escapeText(note.slice(0, at))} — <cite>${escapeText(note.slice(at + 3))}</cite>`;
}
