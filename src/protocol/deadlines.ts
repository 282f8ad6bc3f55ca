// Many deadlines of the same length, kept by one timer. A server holds an idle timeout, a message
// deadline, a settle pause and more for every session; a setTimeout() and clearTimeout() for each was
// a good part of what a short session cost. Deadlines that all last the same time pass in the order
// they were started, so a list kept in that order is already sorted, and one timer set for its first
// entry serves them all. Node keeps its own timers in lists per duration for the same reason; like
// those, a Deadline is a list node its owner keeps and starts over as often as it likes, so starting
// and stopping allocate nothing.
import { performance } from "node:perf_hooks";

/** setTimeout()'s longest delay; a longer deadline is checked then, and the timer set again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One deadline, in at most one list at a time. Subclasses say whose it is. */
export class Deadline {
  /** When it passes, in performance.now() ms. */
  at = 0;
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  running = false;
}

export class Deadlines<D extends Deadline> {
  private first: Deadline | undefined;
  private last: Deadline | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly expire: (deadline: D) => void,
  ) {}

  /**
   * Start `deadline`, or start it over if it is running: it is now the latest. `now` (performance.now())
   * when the caller has just read the clock for another deadline: a read costs more than the rest.
   */
  start(deadline: D, now = performance.now()): void {
    if (deadline.running) this.unlink(deadline);
    deadline.at = now + this.ms;
    deadline.running = true;
    deadline.prev = this.last;
    if (this.last) this.last.next = deadline;
    else this.first = deadline;
    this.last = deadline;
    // A timer already set is for an earlier deadline (or one since stopped), and fire() sets the next.
    if (this.timer === undefined) this.arm(this.ms);
  }

  /**
   * The timer is left to run out even when nothing is left to wait for: clearing it and setting it
   * again as sessions come and go cost more than one call to fire() that finds nothing.
   */
  stop(deadline: D): void {
    if (deadline.running) this.unlink(deadline);
  }

  /** How many are running: counted when asked, so that starting and stopping keep no count. */
  get size(): number {
    let count = 0;
    for (let deadline = this.first; deadline; deadline = deadline.next) count++;
    return count;
  }

  /** When the clock says it is (what start() takes as `now`). */
  static now(): number {
    return performance.now();
  }

  private unlink(deadline: Deadline): void {
    const { prev, next } = deadline;
    if (prev) prev.next = next;
    else this.first = next;
    if (next) next.prev = prev;
    else this.last = prev;
    deadline.prev = deadline.next = undefined;
    deadline.running = false;
  }

  private arm(ms: number): void {
    // Unref'd: the sockets the deadlines guard keep the process alive; their clocks must not.
    this.timer = setTimeout(() => this.fire(), Math.min(Math.max(0, ms), MAX_TIMER_MS)).unref();
  }

  private fire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (let deadline = this.first; deadline; deadline = this.first) {
      if (deadline.at > now) {
        // The first deadline still to come is the earliest: an expiry below may have started one
        // of its own, with a timer for a whole length, which would be too late for this one.
        clearTimeout(this.timer);
        this.arm(deadline.at - now);
        return;
      }
      this.unlink(deadline);
      this.expire(deadline as D);
    }
  }
}
