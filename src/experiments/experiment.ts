// What an experiment is: a man-page claim, the steps that test it, the outcome Linux should give on
// each transport it applies to, and a run() that provokes it on real sockets and reports what this
// kernel actually did. The runner (runner.ts) compares the two and gives the verdict.
import type { Lab } from "../lab/lab.js";
import type { Tool } from "../tools.js";
import type { Trace } from "../trace/events.js";
import type { TransportName } from "../transports/transport.js";

export interface Claim {
  /** "connect(2)" */
  page: string;
  /** "ERRORS", "DESCRIPTION", "NOTES" */
  section: string;
  /** The man page's sentence, quoted. */
  text: string;
}

export interface Experiment {
  /** kebab-case, the command-line name */
  name: string;
  /** One line for `experiment list`. */
  summary: string;
  claim: Claim;
  /** What the run does, in order, as a student would do it by hand. */
  steps: string[];
  /** The outcome Linux gives on each transport this applies to: an errno name, or a short phrase. */
  expected: Partial<Record<TransportName, string>>;
  /** Why the claim says nothing about the other transports. */
  notApplicable: string;
  /** Two or three plain sentences: what happened and why. */
  explain: string;
  /**
   * Programs a run starts besides Node, and the transports it starts them on: a python3 peer for the
   * kernel's own answer, strace to see what the kernel told our addon. `experiment` checks them first.
   */
  needs?: Partial<Record<Tool, readonly TransportName[]>>;
  /**
   * Runs across the lab's two hosts (--hosts two, root): what loopback cannot show. Its runs get the
   * lab in their context; the other experiments are loopback's and run without one.
   */
  hosts?: "two";
  run(transport: TransportName, context: ExperimentContext): Promise<Observation>;
}

export interface ExperimentContext {
  /** A private temp dir for this run's socket files; removed afterwards. */
  readonly dir: string;
  /** Record socket calls for the ladder of interesting steps. */
  readonly trace: Trace;
  /** A fresh address for this transport: an ephemeral port on loopback, or a path in `dir`. */
  address(name?: string): string;
  /** Register something to close or stop when the run ends, whatever happened. */
  defer(cleanup: () => unknown): void;
  /** The wire is being captured (--capture): worth waiting for what only the wire shows. */
  readonly capturing?: boolean;
  /** The lab, for an experiment across two hosts (Experiment.hosts). */
  readonly lab?: Lab;
}

export interface Observation {
  /** Compared with `expected` as text: the same words mean "matches". */
  outcome: string;
  /** What shows it: an strace line, a /proc/net/unix entry, sizes read, a message. */
  evidence?: string[];
  /**
   * Where this run showed something other than what the kernel does, who bent it ("the playground's unix-seqpacket",
   * "Node (libuv)"): the verdict is "differs", and says so. Set only with evidence of the kernel's own
   * answer (a python3 peer making the plain calls).
   */
  bentBy?: string;
}

export type Verdict = "matches" | "differs" | "not applicable" | "failed";

export interface Result {
  experiment: string;
  transport: TransportName;
  verdict: Verdict;
  expected?: string;
  observed?: string;
  evidence?: string[];
  /** Why not applicable, or what broke when the run itself failed. */
  reason?: string;
  /** Who showed something other than the kernel's answer, where a run differs for that reason. */
  bentBy?: string;
  ms: number;
}
