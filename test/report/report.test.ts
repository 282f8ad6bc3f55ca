// `playground report`'s page, opened in a real browser (Debian's chromium): made here from real runs —
// all seven transports' traced sessions, one experiment, a short bench — by the report's own data and
// page functions, so that the ladders can be held to the runs' own events. The page must load with
// nothing fetched and nothing failing, draw each run's lanes and one arrow per crossing, hold one table
// row per transport, and show every section as a picture of some size.
//
// REPORT_SCREENSHOT=docs/report.png writes the README's picture of a report from this page.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findExperiment } from "../../src/experiments/index.js";
import type { ReportData } from "../../src/report/collect.js";
import { TRANSPORT_NAMES } from "../../src/strategy.js";
import type { SocketEvent } from "../../src/trace/events.js";
import { factsOf, type TransportInfo } from "../../src/transports/facts.js";
import { type Browser, openBrowser, pngSize } from "../helpers/browser.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const silent = { step: () => {}, done: () => {} };

// The built modules (`npm test` builds first), as the CLI runs them: the bench starts its servers from
// dist/bench/, beside its own module.
const built = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;
const { collectReport } = (await import(
  built("report/collect.js")
)) as typeof import("../../src/report/collect.js");
const { renderPage } = (await import(built("report/page.js"))) as typeof import("../../src/report/page.js");

let data: ReportData;
let browser: Browser;
let page: Page;
const problems: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  const halfClose = findExperiment("half-close");
  if (!halfClose) throw new Error("no experiment half-close");
  data = await collectReport(
    {
      command: "playground report --experiments half-close --bench (test/report)",
      transports: [...TRANSPORT_NAMES],
      compareSeconds: 0.7,
      experiments: [halfClose],
      bench: {
        transports: ["tcp4", "udp4"],
        modes: ["pingpong", "throughput"],
        durationSeconds: 0.2,
        warmupSeconds: 0.05,
        concurrency: 4,
      },
    },
    silent,
  );
  const file = join(tempDir(), "report.html");
  writeFileSync(file, await renderPage(data));
  browser = await openBrowser();
  page = await browser.context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(`file://${file}`, { waitUntil: "load" });
}, 120_000);

afterAll(async () => {
  const picture = process.env.REPORT_SCREENSHOT;
  if (picture && page) {
    mkdirSync(dirname(picture), { recursive: true });
    await page.screenshot({ path: picture, fullPage: true, clip: { x: 0, y: 0, width: 1200, height: 1250 } });
  }
  await browser?.close();
  removeTempDirs();
});

/**
 * What crossed between the sides in a run, counted from its events as the ladder's arrows should be: a
 * data send (none of 0 bytes on a stream, which puts nothing on the wire), a shutdown's EOF, a
 * connection's connect(); a failed call crosses nothing, nor does connect() on a datagram socket.
 */
function crossingsOf(events: readonly SocketEvent[], facts: TransportInfo): number {
  return events.filter((e) => {
    if (e.errno) return false;
    if (e.call === "send" || e.call === "sendto") return (e.bytes ?? 0) > 0 || facts.preservesBoundaries;
    if (e.call === "connect") return facts.connectionOriented;
    return e.call === "shutdown";
  }).length;
}

describe("the page", () => {
  it("loads with no console error, no failed request, and nothing fetched but itself", () => {
    expect(problems).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:\/\/.*report\.html$/);
  });

  it("has no script, and every figure has a title and a description", async () => {
    expect(await page.locator("script").count()).toBe(0);
    const figures = page.locator("figure svg");
    expect(await figures.count()).toBeGreaterThan(TRANSPORT_NAMES.length);
    for (const svg of await figures.all()) {
      for (const tag of ["title", "desc"]) {
        const text = await svg.locator(`:scope > ${tag}`).textContent();
        expect(text?.length, tag).toBeGreaterThan(10);
      }
      expect(await svg.getAttribute("aria-labelledby")).toMatch(/-title .*-desc$/);
      // Text in the SVG is text, not paths: the axis labels, the calls.
      expect(await svg.locator("text").count()).toBeGreaterThan(3);
    }
  });

  it("says what made it: the command, the machine, the kernel, Node and the date", async () => {
    const made = (await page.locator("dl.made").textContent()) ?? "";
    for (const fact of [data.command, data.machine.cpu, data.machine.kernel, process.version, data.date])
      expect(made).toContain(fact);
  });
});

describe.each(TRANSPORT_NAMES)("%s's ladder", (name) => {
  it("has two lanes, and an arrow for each crossing of its run", async () => {
    const session = data.sessions.find((s) => s.transport === name);
    if (!session) throw new Error(`no session for ${name}`);
    const svg = page.locator(`#session-${name} svg.ladder`);
    const lanes = svg.locator("g.lane");
    expect(await lanes.count()).toBe(session.wire ? 3 : 2);
    expect(await lanes.locator("text").allTextContents()).toEqual(
      expect.arrayContaining([`client (${name})`, `server (${name})`]),
    );
    const crossings = crossingsOf(session.events, factsOf(name));
    expect(crossings).toBeGreaterThanOrEqual(3); // the welcome, the message, the ack, at least
    expect(await svg.locator("g.crossing").count()).toBe(crossings);
    // The calls Node made without one of ours are starred, as on the terminal, and the legend says so;
    // on the playground's own addon every call is one of ours, and none is starred.
    const calls = await svg.locator("text.call").allTextContents();
    const caption = await page.locator(`#session-${name} figcaption`).textContent();
    if (factsOf(name).api === "unix-addon") {
      expect(calls).toContain("socket()");
      expect(calls.filter((text) => text.endsWith("*"))).toEqual([]);
      expect(caption).not.toContain("* inferred");
    } else {
      expect(calls).toContain("socket()*");
      expect(caption).toContain("* inferred");
    }
    expect(await page.locator(`#session-${name} ul.notes cite`).count()).toBeGreaterThan(0);
  });
});

describe("the comparison", () => {
  it("is a table with one row per transport, in order", async () => {
    const rows = page.locator("table.comparison tbody tr");
    expect(await rows.locator("th").allTextContents()).toEqual([...TRANSPORT_NAMES]);
  });

  it("is charted: the measured columns, drawn by Vega as SVG", async () => {
    expect(await page.locator("#comparison figure.chart svg").count()).toBeGreaterThanOrEqual(3);
  });
});

describe("the bench and the experiment", () => {
  it("has a latency curve per mode with latencies, and throughput bars", async () => {
    const charts = await page.locator("#bench figure.chart svg > title").allTextContents();
    expect(charts).toEqual(
      expect.arrayContaining([expect.stringMatching(/pingpong/), expect.stringMatching(/throughput/)]),
    );
    // One line per transport benched, named in the legend.
    const legend = await page
      .locator("#chart-latency-pingpong-title")
      .locator("xpath=..")
      .locator("text")
      .allTextContents();
    expect(legend).toEqual(expect.arrayContaining(["tcp4", "udp4"]));
  });

  it("has the experiment's verdict table and a ladder of its run", async () => {
    const experiment = data.experiments[0];
    if (!experiment) throw new Error("no experiment ran");
    const article = page.locator("#experiment-half-close");
    const ran = experiment.runs.filter((run) => run.events.length > 0);
    expect(await article.locator("svg.ladder").count()).toBe(ran.length);
    expect(await article.locator("table.verdicts tbody tr").count()).toBe(experiment.runs.length);
    expect(await article.locator("table.verdicts tbody tr td:last-child").allTextContents()).toEqual(
      experiment.runs.map((run) => run.result.verdict),
    );
  });
});

describe("printed on A4", () => {
  it("no figure or table is wider than the page, nor a figure taller", async () => {
    // A4 less the 12 mm margins each side, at CSS's 96 px to the inch.
    await page.setViewportSize({ width: Math.floor(((210 - 24) / 25.4) * 96), height: 1000 });
    await page.emulateMedia({ media: "print" });
    try {
      const width = (await page.evaluate("document.documentElement.clientWidth")) as number;
      for (const box of await page.locator("figure, table, pre").all()) {
        const bound = await box.boundingBox();
        if (bound) expect(bound.x + bound.width).toBeLessThanOrEqual(width + 1);
      }
      // A4's height less the 12 mm margins top and bottom: a figure this tall is kept whole on a page.
      const height = ((297 - 24) / 25.4) * 96;
      for (const figure of await page.locator("figure").all()) {
        const bound = await figure.boundingBox();
        if (bound) expect(bound.height).toBeLessThanOrEqual(height);
      }
      expect((await page.pdf({ format: "A4" })).length).toBeGreaterThan(20_000);
    } finally {
      await page.emulateMedia({ media: "screen" });
      await page.setViewportSize({ width: 1200, height: 900 });
    }
  });
});

describe("a screenshot of each section", () => {
  it.each(["#sessions", "#comparison", "#bench", "#experiments"])(
    "%s is a picture of some size",
    async (id) => {
      const png = await page.locator(id).screenshot();
      const { width, height } = pngSize(png);
      expect(width).toBeGreaterThan(600);
      expect(height).toBeGreaterThan(300);
      // A blank or near-blank area compresses to almost nothing.
      expect(png.length).toBeGreaterThan(20_000);
    },
  );
});
