// What `playground report` costs beyond the runs it makes: the whole command's wall time, less the
// runs' own time as the command reports it ("the runs took X s, the page Y s"). What is left is start-up,
// loading the report's code and Vega, drawing the ladders and charts, and writing the file. Target: at
// most 3 s for all seven transports (issue 20). Usage: npx tsx scripts/bench-report.ts [rounds] [-- flags]
// after npm run build; the report goes to a temp dir, removed afterwards.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const rounds = Number(process.argv[2] ?? 5);
const dash = process.argv.indexOf("--");
const flags = dash < 0 ? [] : process.argv.slice(dash + 1);
const dir = mkdtempSync(join(tmpdir(), "playground-bench-report-"));

const beyond: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    const said = execFileSync(
      process.execPath,
      [cli, "report", ...flags, "--out", join(dir, "report.html")],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const runs = Number(/the runs took ([\d.]+) s/.exec(said)?.[1]);
    const page = Number(/the page ([\d.]+) s/.exec(said)?.[1]);
    beyond.push(wall - runs);
    console.log(
      `round ${i + 1}: ${wall.toFixed(2)} s in all, the runs ${runs.toFixed(1)} s, the page ${page.toFixed(1)} s: ` +
        `${(wall - runs).toFixed(2)} s beyond the runs`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const worst = Math.max(...beyond);
const median = [...beyond].sort((a, b) => a - b)[Math.floor(beyond.length / 2)] as number;
console.log(`beyond the runs: median ${median.toFixed(2)} s, worst ${worst.toFixed(2)} s (target ≤ 3 s)`);
process.exitCode = worst <= 3 ? 0 : 1;
