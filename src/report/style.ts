// The report's one stylesheet, inline in the page: no font, image or script is fetched from anywhere.
// Dark text on white throughout (every colour here is at least 7:1 against white); in print, A4 with
// figures kept whole on a page and scaled to its width.
export const STYLE = `
:root { color: #111; background: #fff; }
body { font: 15px/1.45 system-ui, sans-serif; max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #999; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
pre { font-size: 12px; overflow-x: auto; background: #f6f6f6; padding: .5rem; }
dl.made { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; }
dl.made dt { font-weight: bold; }
dl.made dd { margin: 0; }
nav ul { columns: 2; }
a { color: #0b4f8a; }
table { border-collapse: collapse; font-size: .85rem; margin: .6rem 0; }
caption { text-align: left; font-weight: bold; padding: .2rem 0; }
th, td { border: 1px solid #888; padding: .15rem .4rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
thead th { background: #eee; }
svg { max-width: 100%; height: auto; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: .85rem; color: #333; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem 2rem; }
.charts figure { margin: .5rem 0; }
svg.ladder { background: #fff; }
svg.ladder text { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; fill: #111; }
svg.ladder .lane-head { font-weight: bold; }
svg.ladder .client { fill: #005a9e; }
svg.ladder .server { fill: #7a1f60; }
svg.ladder .wire, svg.ladder .state, svg.ladder .wire-why { fill: #1b5e20; }
svg.ladder .lifeline { stroke: #777; stroke-dasharray: 2 3; }
svg.ladder .inferred, svg.ladder .nothing { fill: #555; font-style: italic; }
svg.ladder .state { font-style: italic; }
svg.ladder .error { fill: #b00020; font-weight: bold; }
svg.ladder .crossing line { stroke: #222; stroke-width: 1.5; }
svg.ladder .crossing polygon { fill: #222; }
svg.ladder .packet line { stroke: #1b5e20; stroke-width: 1; }
svg.ladder .packet polygon { fill: #1b5e20; }
svg.ladder .packet text { fill: #1b5e20; font-size: 11px; }
ul.notes li { margin: .2rem 0; }
blockquote { margin: .5rem 0 .5rem 1rem; padding-left: .8rem; border-left: 3px solid #999; }
.verdicts .verdict-differs td:last-child, .verdicts .verdict-failed td:last-child { font-weight: bold; }
details.as-text summary { cursor: pointer; color: #333; font-size: .85rem; }
@media print {
  @page { size: A4; margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  table, pre, blockquote, figure { break-inside: avoid; page-break-inside: avoid; }
  pre { font-size: 7pt; white-space: pre-wrap; overflow: visible; }
  table { font-size: 7.5pt; }
  .charts { display: block; }
  figure svg { max-height: 260mm; }
  a { color: inherit; }
}
`;
