// The report as one HTML page: the command and machine that made it, each transport's ladder, the
// comparison, the bench and the experiments, as chosen. Self-contained: the style is inline, the
// figures are inline SVG, and the Content-Security-Policy lets the page fetch nothing and run no script.
import { factsOf } from "../transports/facts.js";
import { escapeText } from "../views/markup.js";
import { benchSection } from "./bench-section.js";
import type { ReportData, Session } from "./collect.js";
import { comparisonSection } from "./comparison-section.js";
import { experimentsSection } from "./experiments-section.js";
import { ladderFigure } from "./ladder-figure.js";
import { STYLE } from "./style.js";

const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export async function renderPage(data: ReportData): Promise<string> {
  const { machine } = data;
  const sections = [
    sessionsSection(data.sessions),
    await comparisonSection(data.comparison),
    data.bench ? await benchSection(data.bench) : "",
    experimentsSection(data.experiments),
  ];
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${POLICY}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>socket-playground report, ${escapeText(data.date)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header><h1>socket-playground report</h1>`,
    "<p>The classic lab's exchange — welcome, message, ack — over each transport, every call and number from real sockets on this machine.</p>",
    `<dl class="made">`,
    `<dt>Command</dt><dd><code>${escapeText(data.command)}</code></dd>`,
    `<dt>Machine</dt><dd>${machine.cores} cores × ${escapeText(machine.cpu)}</dd>`,
    `<dt>Kernel</dt><dd>${escapeText(machine.kernel)}</dd>`,
    `<dt>Node</dt><dd>${escapeText(machine.node)}</dd>`,
    `<dt>Date</dt><dd><time datetime="${escapeText(data.date)}">${escapeText(data.date)}</time></dd>`,
    "</dl>",
    contents(data),
    "</header><main>",
    ...sections,
    "</main></body></html>",
    "",
  ].join("\n");
}

function contents(data: ReportData): string {
  const links = [
    ...data.sessions.map((s) => [`session-${s.transport}`, `${s.transport}: the session`]),
    ["comparison", "The transports side by side"],
    ...(data.bench ? [["bench", "Benchmarks"]] : []),
    ...data.experiments.map((e) => [`experiment-${e.experiment.name}`, `Experiment: ${e.experiment.name}`]),
  ];
  return `<nav aria-label="Contents"><ul>${links.map(([id, text]) => `<li><a href="#${escapeText(id as string)}">${escapeText(text as string)}</a></li>`).join("")}</ul></nav>`;
}

function sessionsSection(sessions: readonly Session[]): string {
  return [
    `<section id="sessions"><h2>Each transport's session</h2>`,
    "<p>Server and client in one process on a fresh address: the client's calls on the left, the " +
      "server's on the right, and an arrow for everything that crossed between them.</p>",
    ...sessions.map(({ transport, events, wire }) => {
      const facts = factsOf(transport);
      return [
        `<section class="session" id="session-${transport}" data-transport="${transport}">`,
        `<h3>${transport}: ${facts.cFamily}, ${facts.cType} <small>(${escapeText(facts.builtOn)})</small></h3>`,
        ladderFigure(
          events,
          facts,
          { id: `ladder-${transport}`, what: "the lab's session", notes: true },
          wire,
        ),
        "</section>",
      ].join("\n");
    }),
    "</section>",
  ].join("\n");
}
