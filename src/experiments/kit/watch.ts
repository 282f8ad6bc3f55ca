// One side of a connection, watched: a listener that hands out its accepted connections in order,
// what a connection read (and when it saw EOF or closed), and what a write came to.
import type { Connection, ConnectionHandlers, Listener, TransportName } from "../../transports/transport.js";
import type { ExperimentContext } from "../experiment.js";
import { listen } from "../sockets.js";

/** A listener whose accepted connections are handed out in order by `accepted()`. */
export async function listenQueue(
  name: TransportName,
  context: ExperimentContext,
): Promise<{ listener: Listener; accepted(): Promise<Connection> }> {
  const ready: Connection[] = [];
  const waiting: ((c: Connection) => void)[] = [];
  const listener = await listen(name, context, (connection) => {
    const waiter = waiting.shift();
    if (waiter) waiter(connection);
    else ready.push(connection);
  });
  const accepted = () =>
    new Promise<Connection>((resolve) => {
      const connection = ready.shift();
      if (connection) resolve(connection);
      else waiting.push(resolve);
    });
  return { listener, accepted };
}

/** What one side of a connection saw, in order: each read (short ones as text, long ones as a size) and "EOF". */
export interface Watched {
  readonly seen: string[];
  /** Resolves at close with its errno ("closed" for a clean close), or "open" after `ms`. */
  closed(ms: number): Promise<string>;
  /** Resolves at EOF (true) or after `ms` (false). */
  ended(ms: number): Promise<boolean>;
}

export function watch(connection: Connection, extra: Partial<ConnectionHandlers> = {}): Watched {
  const seen: string[] = [];
  let eof = false;
  let closedWith: string | undefined;
  const wake = new Set<() => void>();
  const changed = () => {
    for (const fn of wake) fn();
  };
  connection.setHandlers({
    data: (chunk) => {
      seen.push(chunk.length <= 20 ? JSON.stringify(chunk.toString("latin1")) : `${chunk.length} B`);
      extra.data?.(chunk);
    },
    end: () => {
      eof = true;
      seen.push("EOF");
      extra.end?.();
      changed();
    },
    close: (err) => {
      closedWith = err?.code ?? "closed";
      extra.close?.(err);
      changed();
    },
  });
  const until = <T>(ms: number, value: () => T | undefined, timedOut: T) =>
    new Promise<T>((resolve) => {
      const settle = () => {
        const now = value();
        if (now === undefined) return;
        clearTimeout(timer);
        wake.delete(settle);
        resolve(now);
      };
      const timer = setTimeout(() => {
        wake.delete(settle);
        resolve(timedOut);
      }, ms);
      wake.add(settle);
      settle();
    });
  return {
    seen,
    closed: (ms) => until(ms, () => closedWith, "open"),
    ended: (ms) => until(ms, () => (eof ? true : undefined), false),
  };
}

/** The errno a write failed with, or "sent". */
export async function writeOutcome(connection: Connection, data: Buffer): Promise<string> {
  try {
    await connection.write(data);
    return "sent";
  } catch (err) {
    return (err as { code?: string }).code ?? "EIO";
  }
}
