// `playground report --capture` (root, tcpdump): each session's ladder gains the wire lane, with an
// arrow for every packet tcpdump saw and the TCP states beside the sides' lanes, drawn from the same
// run as the calls; a unix session's wire lane says why it is empty.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReportData } from "../../src/report/collect.js";
import type { TransportName } from "../../src/transports/facts.js";
import { type Browser, openBrowser } from "../helpers/browser.js";
import { requireRoot } from "../helpers/other-user.js";
import { requireTool } from "../helpers/peers.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

const built = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;
const { collectReport } = (await import(
  built("report/collect.js")
)) as typeof import("../../src/report/collect.js");
const { renderPage } = (await import(built("report/page.js"))) as typeof import("../../src/report/page.js");

const TRANSPORTS: TransportName[] = ["tcp4", "udp6", "unix-stream"];

let data: ReportData;
let browser: Browser;
let file: string;

beforeAll(async () => {
  requireRoot();
  requireTool("tcpdump");
  data = await collectReport(
    {
      command: "playground report --capture (test/report)",
      transports: TRANSPORTS,
      compareSeconds: 0.3,
      experiments: [],
      capture: true,
    },
    { step: () => {}, done: () => {} },
  );
  file = join(tempDir(), "report.html");
  writeFileSync(file, await renderPage(data));
  browser = await openBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  removeTempDirs();
});

describe.each(TRANSPORTS)("%s, captured", (name) => {
  it("has the wire between the sides, and an arrow per packet the capture holds", async () => {
    const page = await browser.context.newPage();
    await page.goto(`file://${file}`);
    const wire = data.sessions.find((s) => s.transport === name)?.wire;
    if (!wire) throw new Error(`no wire for ${name}`);
    const svg = page.locator(`#session-${name} svg.ladder`);
    expect(await svg.locator("g.lane text").allTextContents()).toEqual([
      `client (${name})`,
      `wire (${wire.device})`,
      `server (${name})`,
    ]);
    expect(await svg.locator("g.packet").count()).toBe(wire.packets.length);
    if (name === "unix-stream") {
      expect(wire.packets).toEqual([]);
      expect(await svg.locator("text.wire-why").textContent()).toBe(wire.none);
    } else {
      expect(wire.packets.length).toBeGreaterThanOrEqual(name === "tcp4" ? 8 : 4);
    }
    await page.close();
  });
});
