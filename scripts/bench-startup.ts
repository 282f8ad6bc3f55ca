// Start-up cost of the CLI, as a ratio to `node -e 0`, measured paired in one run: each round times
// both commands back to back, so load on a shared machine hits both alike. Target: `playground --help`
// within 2 × `node -e 0` (issue 3). Usage: npx tsx scripts/bench-startup.ts [rounds]
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const rounds = Number(process.argv[2] ?? 30);
const commands: Record<string, string[]> = {
  "node -e 0": ["-e", "0"],
  "playground --help": [cli, "--help"],
  "playground --version": [cli, "--version"],
};

function time(args: string[]): number {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, args, { stdio: "ignore" });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
for (const args of Object.values(commands)) time(args); // warm the file cache
for (let i = 0; i < rounds; i++) {
  for (const [name, args] of Object.entries(commands)) samples[name]?.push(time(args));
}

const median = (xs: number[] = []) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const base = median(samples["node -e 0"]);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  console.log(
    `${name.padEnd(22)} median ${m.toFixed(1).padStart(6)} ms   ${(m / base).toFixed(2)} × node -e 0`,
  );
}
const ratio = median(samples["playground --help"]) / base;
console.log(
  ratio <= 2
    ? `ok: --help is ${ratio.toFixed(2)} × (target ≤ 2 ×)`
    : `over target: ${ratio.toFixed(2)} × > 2 ×`,
);
process.exitCode = ratio <= 2 ? 0 : 1;
