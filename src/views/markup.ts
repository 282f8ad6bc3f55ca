// Text into HTML and SVG. Much of what a report shows was chosen by someone else — a peer's message, a
// socket path, a CPU's name, an errno's message — so every text goes through escapeText(), and no view
// builds markup from a string it did not escape.

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text as it may stand in an element or a quoted attribute, in HTML and in SVG alike. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}
