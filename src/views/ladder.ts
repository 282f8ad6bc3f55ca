// The ladder diagram: client lane on the left, server lane on the right, one row per socket call in
// time order, and an arrow across the middle for everything that crosses between them. Fits in 100
// columns. It draws a Layout (layout.ts): the rows, lanes and crossings are decided there.
import type { SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import type { Wire } from "../wire/wire.js";
import {
  type Crossing,
  inTimeOrderWith,
  type Lane,
  type LaneHosts,
  type LaneId,
  type Layout,
  layoutOf,
  nothingText,
  type Row,
  type WireRow,
} from "./layout.js";
import { type Paint, painter } from "./paint.js";
import { wrap } from "./wrap.js";

const TIME = 9;
const LANE = 26;
const MIDDLE = 36;
const WIDTH = 100;
/** Across two hosts a lane is wider, up to this, so that an address such as 169.254.77.1:40241 fits. */
const HOSTS_LANE = 31;

/** The lanes' and the middle's widths: the line is always WIDTH wide. */
interface Widths {
  lane: number;
  middle: number;
}

/**
 * The lab's addresses are longer than loopback's (bind(169.254.77.1:0)* → 40241): across two hosts the
 * lanes grow to fit their longest step, up to HOSTS_LANE, and the middle's arrows give up the room.
 * On one host the widths never change, so a ladder is drawn as it always was.
 */
function widthsOf(layout: Layout<unknown>): Widths {
  if (!layout.lanes.some((lane) => lane.host)) return { lane: LANE, middle: MIDDLE };
  const longest = Math.max(0, ...layout.rows.map((r) => r.text.length));
  const lane = Math.min(HOSTS_LANE, Math.max(LANE, longest));
  return { lane, middle: WIDTH - TIME - 3 - 2 * lane };
}

export function renderLadder(
  events: readonly SocketEvent[],
  transport: TransportInfo,
  color: boolean,
  wire?: Wire,
  hosts?: LaneHosts,
): string {
  return drawLadder(layoutOf(events, transport, undefined, wire, hosts), color);
}

/**
 * A layout as the ladder: the first lane on the left, the last on the right, the crossings between.
 * `under` gives the lines drawn below a row, as they are: another source's annotations of that step.
 */
export function drawLadder<A>(
  layout: Layout<A>,
  color: boolean,
  under?: (row: Row<A>, paint: Paint) => readonly string[],
): string {
  const paint = painter(color);
  const w = widthsOf(layout);
  const { lane: LANE, middle: MIDDLE } = w;
  const [left, right] = [layout.lanes[0], layout.lanes.at(-1)] as [Lane, Lane];
  const title = (text: string) => text.padEnd(LANE);
  const rule = "─".repeat(LANE - 2);
  const wire = layout.wire && (layout.lanes.find((lane) => lane.id === "wire") as Lane);
  const middle = wire ? paint.wire(centre(wire.label, MIDDLE)) : " ".repeat(MIDDLE);
  const middleRule = wire ? paint.wire(centre("┄".repeat(MIDDLE - 10), MIDDLE)) : " ".repeat(MIDDLE);
  // Which host each side ran on (--hosts two): a line each under the labels, above the rule.
  const hostLines = Math.max(left.host?.length ?? 0, right.host?.length ?? 0);
  const hosts = Array.from({ length: hostLines }, (_, i) => {
    const [l, r] = [left.host?.[i] ?? "", right.host?.[i] ?? ""];
    return `${" ".repeat(TIME)} ${paint[left.id](title(clip(l, LANE)))} ${" ".repeat(MIDDLE)} ${paint[right.id](clip(r, LANE))}`;
  });
  const lines = [
    `${"ms".padStart(TIME)} ${paint[left.id](title(left.label))} ${middle} ${paint[right.id](title(right.label))}`,
    ...hosts,
    `${" ".repeat(TIME)} ${paint[left.id](rule.padEnd(LANE))} ${middleRule} ${paint[right.id](rule)}`,
  ].map((l) => l.trimEnd());
  for (const why of [layout.wire?.none, layout.wire?.noStates]) {
    const indent = " ".repeat(TIME + 1);
    if (why) lines.push(paint.wire(wrap(`${indent}${why}`, WIDTH, indent)));
  }
  for (const r of inTimeOrderWith(layout)) {
    if (r.kind === "packet" || r.kind === "state") {
      lines.push(wireRow(r, layout.lanes, paint, w));
      continue;
    }
    lines.push(row(r, layout.lanes, paint, w).trimEnd());
    if (under) lines.push(...under(r, paint));
  }
  return `${lines.join("\n")}\n${legend(layout)}`;
}

/**
 * A packet: an arrow from the lane of the side that sent it to the other's, across the whole ladder
 * (its row has no call in either lane), labelled with tcpdump's words for it.
 */
function wireRow(
  r: WireRow,
  lanes: readonly Lane[],
  paint: Paint,
  { lane: LANE, middle: MIDDLE }: Widths,
): string {
  const time = (r.t / 1000).toFixed(3).padStart(TIME);
  if (r.kind === "state") {
    // A socket's TCP state: in its side's lane, beside the call and the packet that changed it.
    const cell = paint.wire(clip(r.text, LANE).padEnd(LANE));
    const empty = " ".repeat(LANE);
    const line =
      r.side === lanes[0]?.id ? `${cell} ${" ".repeat(MIDDLE)} ` : `${empty} ${" ".repeat(MIDDLE)} ${cell}`;
    return `${time} ${line}`.trimEnd();
  }
  const at = (id: LaneId) => lanes.findIndex((lane) => lane.id === id);
  const span = LANE + 1 + MIDDLE + 1 + LANE;
  return `${time} ${paint.wire(arrow(r.text, at(r.to) > at(r.from), span))}`;
}

function centre(text: string, width: number): string {
  const left = Math.max(0, Math.floor((width - text.length) / 2));
  return (" ".repeat(left) + text).padEnd(width);
}

function row(r: Row<unknown>, lanes: readonly Lane[], paint: Paint, w: Widths): string {
  const { lane: LANE, middle: MIDDLE } = w;
  const time = (r.t / 1000).toFixed(3).padStart(TIME);
  const cell = clip(r.text, LANE).padEnd(LANE);
  const style = r.errno ? paint.error : r.inferred || r.kind === "happening" ? paint.inferred : paint[r.lane];
  const middle = r.crossing && crossingText(r.crossing, lanes, MIDDLE);
  const arrow = middle ? paint.arrow(middle) : " ".repeat(MIDDLE);
  const empty = " ".repeat(LANE);
  return r.lane === lanes[0]?.id
    ? `${time} ${style(cell)} ${arrow} ${empty}`
    : `${time} ${empty} ${arrow} ${style(cell)}`;
}

/** What crosses between the lanes, drawn as an arrow toward the lane it went to. */
function crossingText(c: Crossing, lanes: readonly Lane[], MIDDLE: number): string {
  const at = (id: LaneId) => lanes.findIndex((lane) => lane.id === id);
  const right = at(c.to) > at(c.from);
  switch (c.what) {
    case "data":
      return arrow(`${c.bytes} B "${c.preview ?? ""}"`, right, MIDDLE);
    case "eof":
      return arrow("EOF", right, MIDDLE);
    case "connect":
      return arrow("connect", right, MIDDLE);
    case "nothing":
      return clip(nothingText(c.why), MIDDLE).padEnd(MIDDLE);
  }
}

function arrow(label: string, right: boolean, width: number): string {
  const text = ` ${clip(label, width - 6)} `;
  const line = width - 1 - text.length;
  const left = Math.floor(line / 2);
  return right
    ? `${"─".repeat(left)}${text}${"─".repeat(line - left)}▶`
    : `◀${"─".repeat(line - left)}${text}${"─".repeat(left)}`;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** What the stars stand for in this run: each Node API and the calls it made. */
function legend(layout: Layout<unknown>): string {
  const lines = inferredLegend(layout);
  if (lines.length === 0) return "";
  return `\n${lines.map((line, i) => (i === 0 ? line : `  ${line}`)).join("\n")}\n`;
}

/**
 * The stars' legend, a line for what they mean and one per Node API with the calls it made: the same
 * words under every drawing of a ladder (this one, and the report's SVG).
 */
export function inferredLegend(layout: Layout<unknown>): string[] {
  if (layout.inferred.length === 0) return [];
  return [
    "* inferred: Node made these calls without a call of ours that names them:",
    ...layout.inferred.map(
      ({ via, calls }) =>
        `${calls.map((call) => `${call}()`).join(", ")} — ${via.endsWith("event") ? "before the" : "inside"} ${via}`,
    ),
  ];
}
