/** Wrap text at spaces to `width` columns, keeping its own leading spaces; later lines get `indent`. */
export function wrap(text: string, width: number, indent: string): string {
  const lead = /^ */.exec(text)?.[0] ?? "";
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(" ")) {
    if (line.trim() && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line.trim() ? `${line} ${word}` : line + word;
    }
  }
  lines.push(line);
  return lines.join("\n");
}
