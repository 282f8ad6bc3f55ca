/**
 * Wrap text at spaces to `width` columns, keeping its own leading spaces; later lines get `indent`.
 * A word longer than a whole line (a name some machine chose) is cut, so that no line is wider.
 */
export function wrap(text: string, width: number, indent: string): string {
  const lead = /^ */.exec(text)?.[0] ?? "";
  const lines: string[] = [];
  let line = lead;
  const room = Math.max(1, width - Math.max(indent.length, lead.length));
  const words = text
    .slice(lead.length)
    .split(" ")
    .flatMap((word) => (word.length <= room ? [word] : (word.match(new RegExp(`.{1,${room}}`, "gu")) ?? [])));
  for (const word of words) {
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
