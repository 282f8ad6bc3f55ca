// The pages whose example runs are real, and how to find those runs in them: README.md and every page
// in docs/. scripts/readme-examples.ts runs each example again and writes its output in;
// test/readme.test.ts runs each one again and checks that the page still says what the tool prints.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);

/** README.md, then docs/*.md in name order, as absolute paths. */
export function examplePages(): string[] {
  const docs = readdirSync(new URL("docs/", ROOT))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => fileURLToPath(new URL(`docs/${name}`, ROOT)));
  return [fileURLToPath(new URL("README.md", ROOT)), ...docs];
}

/**
 * An example, its indent kept: a ```console block whose first line is the command line
 * (`$ npx playground …` or `$ npm start`), or a ```mermaid block whose first line is that command line
 * as a Mermaid comment (`%% $ npx playground … --format mermaid`), so that GitHub still draws it; then
 * the output, and the closing fence.
 */
export const EXAMPLE =
  /^(?<indent> *)```(?<lang>console|mermaid)\n\k<indent>(?<prompt>(?:%% )?\$ )(?<tool>npx playground|npm start)(?<rest>.*)\n(?<output>[\s\S]*?)^\k<indent>```$/gm;

export interface Example {
  indent: string;
  lang: string;
  prompt: string;
  tool: string;
  rest: string;
  output: string;
}

/** The CLI's arguments for an example's command line, as a shell would split it (plain words only). */
export function argsOf(tool: string, rest: string): string[] {
  const words = rest.trim() === "" ? [] : rest.trim().split(/\s+/);
  return tool === "npm start" ? ["compare", ...words] : words;
}
