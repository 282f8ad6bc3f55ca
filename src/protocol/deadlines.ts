// Many deadlines of the same length, kept by one timer. A server holds an idle timeout, a message
// deadline, a settle pause and more for every session; a setTimeout() and clearTimeout() for each was
// a good part of what a short session cost. Deadlines that all last the same time pass in the order
// they were set, so an insertion-ordered Map is already sorted, and one timer set for its first entry
// serves them all (Node keeps its own timers in lists per duration for the same reason).
import { performance } from "node:perf_hooks";

/** setTimeout()'s longest delay; a longer deadline is checked then, and the timer set again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Deadlines<K> {
  /** When each key's deadline passes (performance.now() ms), earliest first. */
  private readonly due = new Map<K, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly expire: (key: K) => void,
  ) {}

  /** Start `key`'s deadline, or start it over if it is running. */
  start(key: K): void {
    this.due.delete(key); // re-inserted at the end: it is now the latest
    this.due.set(key, performance.now() + this.ms);
    // A timer already set is for an earlier deadline (or one since stopped), and fire() sets the next.
    if (this.timer === undefined) this.arm(this.ms);
  }

  /**
   * The timer is left to run out even when nothing is left to wait for: clearing it and setting it
   * again as sessions come and go cost more than one call to fire() that finds nothing.
   */
  stop(key: K): void {
    this.due.delete(key);
  }

  get size(): number {
    return this.due.size;
  }

  private arm(ms: number): void {
    // Unref'd: the sockets the deadlines guard keep the process alive; their clocks must not.
    this.timer = setTimeout(() => this.fire(), Math.min(Math.max(0, ms), MAX_TIMER_MS)).unref();
  }

  private fire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (const [key, at] of this.due) {
      if (at > now) {
        // The first deadline still to come is the earliest: an expiry above may have started one
        // of its own, with a timer for a whole length, which would be too late for this one.
        clearTimeout(this.timer);
        this.arm(at - now);
        return;
      }
      this.due.delete(key);
      this.expire(key);
    }
  }
}
