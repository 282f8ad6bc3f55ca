// The house's shape, read from the source: no module imports itself back, by any road (static or
// dynamic imports, types included), so every layer can be read, tested and replaced from the bottom up.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src", import.meta.url));

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The project modules `file` imports: `import … from "./x.js"`, `export … from`, `import("./x.js")`. */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [
    ...text.matchAll(/(?:import|export)[^"';]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/g),
  ];
  return specifiers
    .map((m) => resolve(dirname(file), (m[1] ?? m[2] ?? "").replace(/\.js$/, ".ts")))
    .filter((path) => known.has(path));
}

/** Each cycle once, as `a -> b -> a`, relative to src/. */
function cycles(graph: Map<string, string[]>): string[] {
  const found = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const finished = new Set<string>();
  const visit = (node: string) => {
    path.push(node);
    onPath.add(node);
    for (const next of graph.get(node) ?? []) {
      if (onPath.has(next)) {
        const loop = [...path.slice(path.indexOf(next)), next];
        found.add(loop.map((p) => relative(SRC, p)).join(" -> "));
      } else if (!finished.has(next)) visit(next);
    }
    path.pop();
    onPath.delete(node);
    finished.add(node);
  };
  for (const node of graph.keys()) if (!finished.has(node)) visit(node);
  return [...found];
}

describe("src/", () => {
  it("has no import cycle", () => {
    const files = sources(SRC);
    const known = new Set(files);
    const graph = new Map(files.map((file) => [file, importsOf(file, known)]));
    expect(graph.size).toBeGreaterThan(50); // the walk found the house
    expect(cycles(graph)).toEqual([]);
  });
});
