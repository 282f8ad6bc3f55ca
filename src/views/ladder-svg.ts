// The ladder as SVG, for `playground report`: the same Layout (layout.ts) the terminal ladder and
// Mermaid draw — its lanes as lifelines, its rows top to bottom, its crossings as arrows — so the
// picture and the terminal never disagree about a step. Text stays <text> (selectable, searchable);
// what an arrow carries is told by its label and its dash, not by colour alone. Nothing is measured
// here: the text is monospace, so a column of N characters is N times one character's width.
import {
  type Crossing,
  inTimeOrderWith,
  type Lane,
  type LaneId,
  type Layout,
  nothingText,
  type Row,
  type WireRow,
} from "./layout.js";
import { escapeText } from "./markup.js";

/** One character of the 12 px monospace text, and what a row, the header and the columns take. */
const CHAR = 7.3;
const ROW = 20;
const TOP = 48;
const TIME_X = 64;
const LANE_CHARS = 32;
const ARROW_CHARS = 42;
/** The first and last lanes' lifelines, and the page width: the middle holds ARROW_CHARS. */
const LEFT_X = TIME_X + 16 + LANE_CHARS * CHAR;
const RIGHT_X = LEFT_X + (ARROW_CHARS + 2) * CHAR;
const WIDTH = RIGHT_X + 16 + LANE_CHARS * CHAR;

/** Dashes tell the kinds of arrow apart, in print and for those who do not see the colours. */
const DASH: Readonly<Record<Exclude<Crossing["what"], "nothing"> | "packet", string>> = {
  data: "",
  eof: "7 4",
  connect: "2 3",
  packet: "5 2 1 2",
};

export interface SvgLadderOptions {
  /** Unique in the page: the SVG's title and description are named by it. */
  id: string;
  title: string;
  description: string;
}

export function drawSvgLadder(layout: Layout<unknown>, options: SvgLadderOptions): string {
  const x = lanePositions(layout.lanes);
  const body: string[] = [];
  let y = TOP;
  for (const why of [layout.wire?.none, layout.wire?.noStates]) {
    if (!why) continue;
    body.push(text(TIME_X + 8, y, clip(why, 120), "wire-why"));
    y += ROW;
  }
  for (const row of inTimeOrderWith(layout)) {
    body.push(time(row.t, y));
    if (row.kind === "packet" || row.kind === "state") body.push(wireRow(row, x, y));
    else body.push(stepRow(row, layout.lanes, x, y));
    y += ROW;
  }
  const height = y;
  const lanes = layout.lanes.map((lane) => laneOf(lane, x(lane.id), height));
  const { id } = options;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" viewBox="0 0 ${WIDTH.toFixed(0)} ${height}" ` +
      `width="${WIDTH.toFixed(0)}" height="${height}" role="group" aria-labelledby="${id}-title ${id}-desc">`,
    `<title id="${id}-title">${escapeText(options.title)}</title>`,
    `<desc id="${id}-desc">${escapeText(options.description)}</desc>`,
    `<text class="time-head" x="${TIME_X}" y="18" text-anchor="end">ms</text>`,
    ...lanes,
    ...body,
    "</svg>",
  ].join("\n");
}

/** Where each lane's lifeline stands: the first on the left, the last on the right, a wire between. */
function lanePositions(lanes: readonly Lane[]): (id: LaneId) => number {
  const last = lanes.length - 1;
  const at = new Map(
    lanes.map((lane, i) => [lane.id, LEFT_X + ((RIGHT_X - LEFT_X) * i) / Math.max(last, 1)]),
  );
  return (id) => at.get(id) ?? LEFT_X;
}

function laneOf(lane: Lane, x: number, height: number): string {
  return [
    `<g class="lane" data-lane="${lane.id}">`,
    `<text class="lane-head ${lane.id}" x="${x.toFixed(1)}" y="18" text-anchor="middle">${escapeText(lane.label)}</text>`,
    `<line class="lifeline ${lane.id}" x1="${x.toFixed(1)}" y1="26" x2="${x.toFixed(1)}" y2="${height - 6}"/>`,
    "</g>",
  ].join("");
}

function time(t: number, y: number): string {
  return `<text class="time" x="${TIME_X}" y="${y + 4}" text-anchor="end">${(t / 1000).toFixed(3)}</text>`;
}

/** A step: its call beside its lane's lifeline (outside the middle), and what crossed, as an arrow. */
function stepRow(row: Row<unknown>, lanes: readonly Lane[], x: (id: LaneId) => number, y: number): string {
  const style = row.errno ? "error" : row.inferred || row.kind === "happening" ? "inferred" : row.lane;
  const first = row.lane === lanes[0]?.id;
  const at = x(row.lane) + (first ? -8 : 8);
  const call = text(
    at,
    y + 4,
    clip(row.text, LANE_CHARS),
    `call ${style}`,
    first ? "end" : "start",
    row.text,
  );
  const c = row.crossing;
  if (!c) return call;
  if (c.what === "nothing") {
    const middle = (x(c.from) + x(c.to)) / 2;
    return call + text(middle, y + 4, nothingText(c.why), "nothing", "middle");
  }
  const label =
    c.what === "data" ? `${c.bytes} B "${c.preview ?? ""}"` : c.what === "eof" ? "EOF" : "connect";
  return call + arrow(x(c.from), x(c.to), y, label, `crossing ${c.what}`, DASH[c.what]);
}

/** A packet across the whole ladder, or a TCP state beside its side's lifeline. */
function wireRow(row: WireRow, x: (id: LaneId) => number, y: number): string {
  if (row.kind === "packet") return arrow(x(row.from), x(row.to), y, row.text, "packet", DASH.packet);
  const first = x(row.side) === LEFT_X;
  const at = x(row.side) + (first ? -8 : 8);
  return text(at, y + 4, clip(row.text, LANE_CHARS), "state", first ? "end" : "start", row.text);
}

/** A line from one lifeline to another with a head at the receiving end, its label centred above it. */
function arrow(from: number, to: number, y: number, label: string, kind: string, dash: string): string {
  const toward = Math.sign(to - from);
  const [x1, x2] = [from + toward * 2, to - toward * 2];
  const head = [
    [x2, y],
    [x2 - toward * 8, y - 4],
    [x2 - toward * 8, y + 4],
  ]
    .map(([px, py]) => `${(px as number).toFixed(1)},${py}`)
    .join(" ");
  const chars = Math.floor(Math.abs(to - from) / CHAR) - 4;
  return [
    `<g class="${kind}">`,
    `<line x1="${x1.toFixed(1)}" y1="${y}" x2="${(x2 - toward * 6).toFixed(1)}" y2="${y}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
    `<polygon points="${head}"/>`,
    text((from + to) / 2, y - 4, clip(label, chars), "label", "middle", label),
    "</g>",
  ].join("");
}

/** A <text>; where it had to be cut, its whole is its <title> (a tooltip, and read by screen readers). */
function text(x: number, y: number, shown: string, kind: string, anchor = "start", whole = shown): string {
  const title = whole === shown ? "" : `<title>${escapeText(whole)}</title>`;
  return `<text class="${kind}" x="${x.toFixed(1)}" y="${y}" text-anchor="${anchor}">${title}${escapeText(shown)}</text>`;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(width - 1, 1))}…`;
}
