// Charts as SVG, drawn by Vega-Lite (compiled to Vega, rendered by Vega's View#toSVG in Node, no
// browser): scales, axes, ticks and legends are the library's, not ours. Vega and Vega-Lite load on the
// first chart, so only `playground report` pays for them. Each chart gets a <title> and a <desc>, and
// the page puts the numbers it shows beside it as text.
//
// Colour never carries meaning alone: a transport's line also has its own dash and point shape, and a
// bar is named on its axis and labelled with its value. The seven colours each reach 3:1 against white
// (WCAG's contrast for graphics), and the palette avoids the red/green pairs that colour-blind eyes merge.
import type { TopLevelSpec } from "vega-lite";
import { TRANSPORT_NAMES, type TransportName } from "../transports/facts.js";
import { escapeText } from "../views/markup.js";

/** The same transport in the same colour, dash and shape in every chart of the page (TRANSPORT_NAMES' order). */
const PALETTE = ["#0072B2", "#D55E00", "#117733", "#882255", "#332288", "#000000", "#AA4499"];
const DASHES = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
  [4, 4],
  [10, 2],
  [1, 3],
];
const SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge"];

export interface Chart {
  /** Unique in the page. */
  id: string;
  title: string;
  /** What it shows, in a sentence: the SVG's <desc>. */
  description: string;
  spec: TopLevelSpec;
}

/** The config every chart shares: fonts the reader has, dark text, no animation to wait for. */
const CONFIG = {
  font: "system-ui, sans-serif",
  background: "white",
  axis: { labelColor: "#222", titleColor: "#222", labelFontSize: 11, titleFontSize: 12 },
  legend: { labelColor: "#222", titleColor: "#222", labelFontSize: 11, symbolStrokeWidth: 2 },
  title: { color: "#111", fontSize: 13, anchor: "start" as const },
  view: { stroke: "#bbb" },
};

/**
 * Latency against percentile, one line per transport, as HdrHistogram plots it: the x axis is
 * 1 / (1 − percentile) on a log scale, so 90 %, 99 % and 99.9 % are evenly spaced and the tail gets
 * room; the latency is on a log scale too, since a tail may be 100 times the median.
 */
export function percentileCurves(
  id: string,
  title: string,
  points: readonly { transport: TransportName; percentile: number; us: number }[],
): Chart {
  const transports = [...new Set(points.map((p) => p.transport))];
  return {
    id,
    title,
    description:
      `${title}: latency in microseconds (log scale) at each percentile (log scale of 1/(1 − p)), ` +
      `one line per transport: ${transports.join(", ")}.`,
    spec: {
      title,
      width: 420,
      height: 260,
      config: CONFIG,
      data: { values: points.map((p) => ({ ...p })) },
      transform: [{ calculate: "1 / (1 - datum.percentile / 100)", as: "oneIn" }],
      mark: { type: "line", point: { filled: true, size: 45 }, strokeWidth: 2 },
      encoding: {
        x: {
          field: "oneIn",
          type: "quantitative",
          title: "percentile",
          scale: { type: "log" },
          axis: {
            values: [1, 2, 10, 100, 1000, 10000, 100000],
            labelExpr: "format(100 - 100 / datum.value, '.3~f') + ' %'",
          },
        },
        y: { field: "us", type: "quantitative", title: "latency (µs)", scale: { type: "log" } },
        ...transportStyle(["color", "strokeDash", "shape"], transports),
      },
    },
  };
}

/** One bar per transport, named on the axis and labelled with its value. */
export function transportBars(
  id: string,
  title: string,
  unit: string,
  bars: readonly { transport: TransportName; value: number }[],
): Chart {
  const values = bars.map((b) => ({ ...b, label: formatValue(b.value) }));
  return {
    id,
    title,
    description: `${title}, per transport: ${values.map((b) => `${b.transport} ${b.label} ${unit}`).join("; ")}.`,
    spec: {
      title,
      width: 300,
      height: { step: 22 },
      config: CONFIG,
      data: { values },
      encoding: {
        y: { field: "transport", type: "nominal", title: null, sort: [...TRANSPORT_NAMES] },
        x: { field: "value", type: "quantitative", title: unit },
      },
      layer: [
        {
          mark: { type: "bar" },
          encoding: transportStyle(
            ["color"],
            bars.map((b) => b.transport),
          ),
        },
        {
          mark: { type: "text", align: "left", dx: 4, color: "#111" },
          encoding: { text: { field: "label", type: "nominal" } },
        },
      ],
    },
  };
}

/**
 * Encodings that give each transport its colour (and dash, and shape), with one legend. The scale
 * names only the transports the chart has, each with the style it has in every chart of the page.
 */
function transportStyle(
  channels: readonly ("color" | "strokeDash" | "shape")[],
  transports: readonly TransportName[],
) {
  const domain = TRANSPORT_NAMES.filter((name) => transports.includes(name));
  const at = domain.map((name) => TRANSPORT_NAMES.indexOf(name));
  const ranges = { color: PALETTE, strokeDash: DASHES, shape: SHAPES };
  const single = channels.length === 1;
  return Object.fromEntries(
    channels.map((channel) => [
      channel,
      {
        field: "transport",
        type: "nominal",
        title: "transport",
        scale: { domain, range: at.map((i) => ranges[channel][i]) },
        // A bar chart names its transports on the axis; a legend would only say it again.
        ...(single ? { legend: null } : {}),
      },
    ]),
  );
}

function formatValue(value: number): string {
  if (value >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString("en");
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Each chart as an SVG, in order. Vega and Vega-Lite are loaded here, on the first call. */
export async function drawCharts(charts: readonly Chart[]): Promise<string[]> {
  if (charts.length === 0) return [];
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const svgs: string[] = [];
  for (const chart of charts) {
    const view = new vega.View(vega.parse(vegaLite.compile(chart.spec).spec), { renderer: "none" });
    try {
      svgs.push(labelled(await view.toSVG(), chart));
    } finally {
      view.finalize();
    }
  }
  return svgs;
}

/** Vega's SVG with a role, a <title> and a <desc>, and sized by the page (max-width), not pinned. */
function labelled(svg: string, chart: Chart): string {
  const open = svg.indexOf(">");
  return (
    `${svg.slice(0, open)} role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc">` +
    `<title id="${chart.id}-title">${escapeText(chart.title)}</title>` +
    `<desc id="${chart.id}-desc">${escapeText(chart.description)}</desc>${svg.slice(open + 1)}`
  );
}
