// Colour for the terminal views: on a TTY only, and never with NO_COLOR (https://no-color.org).
export interface Paint {
  client(text: string): string;
  server(text: string): string;
  /** The wire lane: packets, with --capture. */
  wire(text: string): string;
  arrow(text: string): string;
  inferred(text: string): string;
  error(text: string): string;
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

const ansi = (code: string) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const plain = (text: string) => text;

export function painter(color: boolean): Paint {
  if (!color)
    return { client: plain, server: plain, wire: plain, arrow: plain, inferred: plain, error: plain };
  return {
    client: ansi("36"),
    server: ansi("35"),
    wire: ansi("32"),
    arrow: ansi("33"),
    inferred: ansi("2"),
    error: ansi("31"),
  };
}
