// The checks every command's flags pass before the command starts, driven by yargs' own option
// definitions: each number flag has a rule here (a test walks every number flag in every command's help
// and feeds it bad values), and a flag given where it means nothing is refused or warned about, never
// ignored. Errors are UsageErrors that name the flag and the value as typed: yargs has turned
// `--port abc` into NaN by then, so the typed text is read again from the command line. yargs' own
// complaints (unknown flags, bad choices) are reworded here too, as one line with a did-you-mean.
import { Parser } from "yargs/helpers";
import { MIN_MESSAGE_BYTES } from "../bench/wire.js";
import { UsageError } from "../errors.js";
import { chooseTransport, familyTypeOf } from "../strategy.js";
import { TRANSPORTS } from "../transports/facts.js";
import type { TransportName } from "../transports/transport.js";
import { closest, didYouMean } from "./did-you-mean.js";

export interface NumberRule {
  /** What the flag counts, as the error says it: "a port", "seconds". */
  what: string;
  min: number;
  /** The minimum itself means nothing (a timeout of 0 s): only values above it. */
  above?: boolean;
  max: number;
  whole?: boolean;
  /** Said after the range: "24 days", "0 picks a free one". */
  note?: string;
}

/** Node's timers hold at most 2^31 - 1 ms; a longer timeout would fire at once. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const SECONDS: NumberRule = { what: "seconds", min: 0, above: true, max: MAX_SECONDS, note: "24 days" };

/** Every number flag of every command, by name; COMMAND_RULES where a command means something else. */
export const NUMBER_RULES: Readonly<Record<string, NumberRule>> = {
  port: { what: "a port", min: 0, max: 65535, whole: true, note: "0 picks a free one" },
  timeout: SECONDS,
  // Each resend waits its share of --timeout: past 100 the shares are too short to be worth a try.
  retries: { what: "resends", min: 0, max: 100, whole: true },
  "idle-timeout": SECONDS,
  "message-timeout": SECONDS,
  "send-timeout": SECONDS,
  "drain-timeout": { ...SECONDS, above: false, note: "0 closes the sessions at once" },
  // Far above what one process serves or buffers: only a typo reaches these.
  "max-connections": { what: "connections", min: 1, max: 1_000_000, whole: true },
  "max-message-bytes": { what: "bytes", min: 1, max: 1024 ** 3, whole: true, note: "1 GiB" },
  "max-peers": { what: "peers", min: 1, max: 1_000_000, whole: true },
  duration: { what: "seconds", min: 0, above: true, max: 600 },
  warmup: { what: "seconds", min: 0, max: 60 },
  // The bench's record transports take less; bench.ts says so with the transports at hand.
  size: { what: "bytes", min: MIN_MESSAGE_BYTES, max: 16 * 1024 * 1024, whole: true },
  // The lab's link (--hosts two): nftables' numgen counts whole percents; IPv6 needs an MTU of 1280
  // (RFC 8200), and below it the kernel takes the link's IPv6 addresses away.
  loss: { what: "percent", min: 0, max: 100, whole: true },
  mtu: { what: "bytes", min: 1280, max: 65535, whole: true, note: "IPv6 needs 1280 at least" },
  delay: { what: "ms", min: 0, above: true, max: 10_000, whole: true },
  // `playground server` serves 1,024 connections at once and turns the rest away.
  concurrency: { what: "clients", min: 1, max: 1000, whole: true },
};

const COMMAND_RULES: Readonly<Record<string, Readonly<Record<string, NumberRule>>>> = {
  // A server on port 0 gets a free port; a client cannot reach port 0.
  client: { port: { what: "the server's port", min: 1, max: 65535, whole: true } },
};

export function numberRule(command: string, flag: string): NumberRule | undefined {
  return COMMAND_RULES[command]?.[flag] ?? NUMBER_RULES[flag];
}

/** What yargs knows of a command's options (yargs' getOptions(), the part read here). */
export interface OptionDefinitions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  number: string[];
  string: string[];
  /** The options that are lists by design (type: "array"): the only ones that may be given twice. */
  array: string[];
  boolean: string[];
  choices: Record<string, readonly unknown[]>;
}

/**
 * All the checks, for the command yargs chose (`argv._[0]`, or run, the default) with `options` its
 * definitions and `args` the command line: throws the first UsageError, or returns warnings to print.
 * The line is parsed again with the number flags as strings, for the text the user typed, and without
 * defaults, for which flags the user gave.
 */
export function checkFlags(
  argv: Record<string, unknown>,
  options: OptionDefinitions,
  args: string[],
): string[] {
  const first = (argv._ as unknown[] | undefined)?.[0];
  const command = typeof first === "string" ? first : "run";
  const typed = Parser(args, {
    string: options.number,
    boolean: options.boolean,
    alias: options.alias,
    configuration: { "parse-positional-numbers": false },
  }) as Record<string, unknown>;
  // A flag typed in camelCase (--maxPeers) is filed under that spelling.
  const text = (flag: string) =>
    typed[flag] ?? typed[flag.replace(/-(.)/g, (_, c: string) => c.toUpperCase())];
  checkOnce(command, options, argv, text);
  checkNumbers(command, options, argv, text);
  checkStrings(options, args, text);
  // Only this command's flags: one it does not take (--loss on experiment) is yargs' unknown flag,
  // not "add --hosts two", which would be refused next.
  return checkApplies(command, argv, (flag) => flag in options.key && text(flag) !== undefined);
}

/** The flags that take several values joined by commas, where a second flag is a slip for a comma. */
function joinedByCommas(command: string, flag: string): boolean {
  if (flag === "message-end" || flag === "experiments") return true;
  return flag === "transport" && ["compare", "experiment", "bench", "report"].includes(command);
}

/**
 * A flag given twice (or as two of its aliases, --transport and --transports) reaches the commands
 * as an array, which they would take as one value in ways nobody asked for (two NUL bytes for two
 * --message, "drop,reject" for two --firewall) or crash on: refused, for every option not declared a
 * list. Booleans never get here: yargs keeps the last of them.
 */
export function checkOnce(
  command: string,
  options: OptionDefinitions,
  argv: Record<string, unknown>,
  typed: (flag: string) => unknown,
): void {
  for (const flag of ownNames(options, Object.keys(options.key))) {
    const value = argv[flag];
    if (!Array.isArray(value) || options.array.includes(flag)) continue;
    // The text as typed, for numbers (yargs has made `--port 0x10` 16 by now).
    const given = (Array.isArray(typed(flag)) ? (typed(flag) as unknown[]) : value).map(String);
    const times = given.length === 2 ? "twice" : `${given.length} times`;
    const fix = joinedByCommas(command, flag)
      ? `give it once, its values joined by commas: --${flag} ${given.join(",")}`
      : "give it once";
    throw new UsageError(`--${flag} was given ${times} (${given.join(", ")}): ${fix}`);
  }
}

/** `flags` by their own names: yargs lists each alias (--transports for --transport) as a key too. */
function ownNames(options: OptionDefinitions, flags: readonly string[]): string[] {
  const aliases = new Set(Object.values(options.alias).flat());
  return flags.filter((flag) => !aliases.has(flag));
}

/**
 * Check the number flags of `command` in `argv` (as yargs parsed them, defaults included). `typed`
 * gives a flag's text as typed, for the message; undefined when the user did not give it.
 */
export function checkNumbers(
  command: string,
  options: OptionDefinitions,
  argv: Record<string, unknown>,
  typed: (flag: string) => unknown,
): void {
  for (const flag of ownNames(options, options.number)) {
    const value = argv[flag];
    if (value === undefined && typed(flag) === undefined) continue;
    const rule = numberRule(command, flag);
    if (!rule) throw new Error(`--${flag} is a number flag with no rule in validate.ts`);
    checkNumber(flag, value, typed(flag), rule);
  }
}

/** What each text flag takes, for the error when it is given none. */
const TEXT_OF: Readonly<Record<string, string>> = {
  host: "an IP address or host name, such as 127.0.0.1 or ::1",
  path: "a socket path, such as /tmp/sp.sock, or @name",
  message: "the text to send, quoted if it has spaces",
  "message-end": "recv, newline, eof or pause:MS",
  mode: "the socket file's permissions in octal, such as 600",
  transport: transportNamesText(),
  family: "inet, inet6 or unix",
  hosts: "one or two",
  firewall: "drop, reject or unreachable",
  type: "stream, dgram or seqpacket",
  out: "a file name, such as report.html",
  experiments: "experiment names, comma-separated, or all",
};

function transportNamesText(): string {
  return `a transport: ${TRANSPORTS.map((t) => t.name).join(", ")}`;
}

/**
 * A text flag with nothing after it (`-m` at the end, or before another flag) would run with its
 * default, or with "": refused, naming the flag as typed. An empty text (--path "") is refused too,
 * except for --message, where an empty message is a thing to try.
 */
function checkStrings(options: OptionDefinitions, args: string[], typed: (flag: string) => unknown): void {
  const canonical = (word: string) =>
    options.string.find((flag) => flag === word || options.alias[flag]?.includes(word));
  const end = args.indexOf("--");
  for (const [i, arg] of (end === -1 ? args : args.slice(0, end)).entries()) {
    const flag = /^--?([^=]+)$/.exec(arg)?.[1];
    const name = flag === undefined ? undefined : canonical(flag);
    const next = args[i + 1];
    if (name === undefined || !(next === undefined || next === "--" || /^-[^\d.]/.test(next))) continue;
    const choices = options.choices[name];
    throw new UsageError(
      `${arg} needs a value: give ${choices ? `one of ${choices.join(", ")}` : (TEXT_OF[name] ?? "one")}`,
    );
  }
  for (const flag of options.string.filter((f) => f !== "message" && f in TEXT_OF)) {
    if (typed(flag) === "") throw new UsageError(`--${flag} '' is empty: give ${TEXT_OF[flag]}`);
  }
}

function checkNumber(flag: string, value: unknown, typed: unknown, rule: NumberRule): void {
  const text = typeof typed === "string" || typeof typed === "number" ? String(typed) : String(value);
  const problem = problemWith(value, text, rule);
  if (problem)
    throw new UsageError(`--${flag} ${text === "" ? "''" : text}: ${problem}; give ${expected(rule)}`);
}

/**
 * Plain decimal, as people write a port or seconds: yargs' Number() also takes 0x10, 0b101, 0o7 and
 * 1e3, which would quietly listen on 16 for a typo of 10.
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** What is wrong with a value, if anything. An empty text is no number, though Number("") is 0. */
function problemWith(value: unknown, text: string, rule: NumberRule): string | undefined {
  if (text.trim() === "" || typeof value !== "number" || Number.isNaN(value)) return "not a number";
  if (!DECIMAL.test(text)) return "not a plain decimal number";
  if (value < rule.min || (rule.above && value === rule.min)) return "too small";
  if (value > rule.max) return "too large";
  if (rule.whole && !Number.isInteger(value)) return "not a whole number";
  return undefined;
}

/** "a port, a whole number from 0 to 65535 (0 picks a free one)". */
export function expected(rule: NumberRule): string {
  const kind = rule.whole ? "a whole number" : "a number";
  const range = rule.above ? `above ${rule.min} and at most ${rule.max}` : `from ${rule.min} to ${rule.max}`;
  return `${rule.what}, ${kind} ${range}${rule.note ? ` (${rule.note})` : ""}`;
}

/** A flag that means something only on some transports, in some commands. */
interface TransportRule {
  flag: string;
  commands: readonly string[];
  applies: (name: TransportName) => boolean;
  /** Why not, on `name`, with the fix. */
  why: (name: TransportName) => string;
  /**
   * A limit or setting that is only moot here is a warning, so that a script may pass the same limits
   * to every transport; a flag whose whole point cannot happen (an abstract name on TCP) is an error.
   */
  warn?: boolean;
}

const isDatagram = (name: TransportName) => familyTypeOf(name).type === "dgram";
const DATAGRAM_NAMES = TRANSPORTS.filter((t) => t.type === "dgram").map((t) => t.name);

const TRANSPORT_RULES: readonly TransportRule[] = [
  {
    flag: "abstract",
    commands: ["run"],
    applies: (name) => familyTypeOf(name).family === "unix",
    // All three unix transports take an abstract name (unix-dgram and unix-seqpacket through the addon).
    why: (name) =>
      `an abstract name is a unix address, on all three unix transports; ${name} has ports — add --transport unix-stream, unix-dgram or unix-seqpacket`,
  },
  {
    flag: "retries",
    commands: ["run", "client"],
    applies: isDatagram,
    why: (name) =>
      `resends are for datagrams (${DATAGRAM_NAMES.join(", ")}), which may be dropped; ${name} is ` +
      "reliable and never resends",
    warn: true,
  },
  {
    flag: "mode",
    commands: ["server"],
    applies: (name) => familyTypeOf(name).family === "unix",
    why: (name) => `it sets a unix socket file's permissions; ${name} has no file`,
    warn: true,
  },
  {
    flag: "max-peers",
    commands: ["server"],
    applies: isDatagram,
    why: (name) => `it counts datagram peers; on ${name} a peer is a connection — use --max-connections`,
    warn: true,
  },
  {
    flag: "max-connections",
    commands: ["server"],
    applies: (name) => !isDatagram(name),
    why: (name) => `${name} has no connections — use --max-peers for the datagram peers it remembers`,
    warn: true,
  },
  {
    flag: "message-timeout",
    commands: ["server"],
    applies: (name) => !isDatagram(name),
    why: (name) => `on ${name} each datagram is a whole message when it arrives, so none is waited for`,
    warn: true,
  },
  {
    flag: "send-timeout",
    commands: ["server"],
    applies: (name) => !isDatagram(name),
    why: (name) => `a reply on ${name} is one datagram, sent at once, and never waits for the peer to read`,
    warn: true,
  },
];

/**
 * Flags that mean nothing with the chosen transport, or that contradict another: refused, or (a moot
 * limit) returned as warnings to print. Never ignored without a word.
 */
export function checkApplies(
  command: string,
  argv: Record<string, unknown>,
  given: (flag: string) => boolean,
): string[] {
  if (given("json") && argv.json && given("format") && argv.format !== "json") {
    throw new UsageError(
      `--json is short for --format json, and --format ${argv.format} was given too: give one`,
    );
  }
  if (command === "run" && given("abstract") && argv.abstract && given("path")) {
    throw new UsageError("--abstract and --path both choose the address: give one");
  }
  if (command === "run" && argv.capture) checkCapture(argv, given);
  if (command === "experiment" && argv.name === "list" && given("transport")) {
    throw new UsageError(
      "--transport chooses where experiments run, and list runs none — leave it out, or name an experiment",
    );
  }
  if (command === "bench") checkBenchModes(argv, given);
  if (command === "run" || command === "compare" || command === "experiment")
    checkHosts(command, argv, given);
  const rules = TRANSPORT_RULES.filter((rule) => rule.commands.includes(command) && given(rule.flag));
  if (rules.length === 0) return [];
  const name = chooseTransport(argv as { family?: string; type?: string; transport?: string });
  const moot = rules.filter((rule) => !rule.applies(name));
  const refused = moot.find((rule) => !rule.warn);
  if (refused) throw new UsageError(`--${refused.flag} does not apply to ${name}: ${refused.why(name)}`);
  return moot.map((rule) => `--${rule.flag} does not apply to ${name}, so it is ignored: ${rule.why(name)}`);
}

/** --capture draws a lane among the calls: a view with times. */
function checkCapture(argv: Record<string, unknown>, given: (flag: string) => boolean): void {
  const format = argv.json ? "json" : String(argv.format ?? "ladder");
  if (given("format") && format === "lines") {
    throw new UsageError(
      "--capture places packets by time, and --format lines has none — use the ladder, mermaid or --json",
    );
  }
}

/** The link's conditions, and what a run across the lab cannot do yet. */
const LINK_FLAGS = ["loss", "mtu", "firewall", "delay"] as const;
const NOT_ACROSS: Readonly<Record<string, readonly string[]>> = {
  run: ["trace-syscalls", "path"],
  compare: ["capture", "duration"],
  experiment: ["capture"],
};
const WHY_NOT_ACROSS: Readonly<Record<string, string>> = {
  capture:
    "--capture here records one traced session on lo, and across the lab the packets cross the veth link (`run --hosts two --capture` shows them)",
  "trace-syscalls":
    "--trace-syscalls runs the session under strace in one process, and across the lab it is two",
  duration: `--duration shares measuring time on one host, and across the lab each transport runs a fixed number of sessions`,
  path: "--path names where the server binds, and across the lab a fresh temp dir both hosts see is used",
};

/** Flags that need the lab without it, and flags the lab cannot honour with it. */
function checkHosts(command: string, argv: Record<string, unknown>, given: (flag: string) => boolean): void {
  if (argv.hosts !== "two") {
    const link = LINK_FLAGS.find((flag) => given(flag));
    if (link) {
      throw new UsageError(
        `--${link} is a condition of the link between two hosts, and there is none without --hosts two: add --hosts two (as root)`,
      );
    }
    return;
  }
  const refused = (NOT_ACROSS[command] ?? []).find((flag) => given(flag) && argv[flag] !== false);
  if (refused) throw new UsageError(`${WHY_NOT_ACROSS[refused]}: leave out --${refused} or --hosts two`);
}

/** --size is for the modes that send messages of a size, --concurrency for the ones with many clients. */
function checkBenchModes(argv: Record<string, unknown>, given: (flag: string) => boolean): void {
  const mode = String(argv.mode);
  if (mode === "all") return;
  const sessions = mode === "sessions" || mode === "classic";
  if (given("size") && sessions) {
    throw new UsageError(
      `--size does not apply to --mode ${mode}: its sessions send the lab's message — use --mode pingpong or throughput`,
    );
  }
  if (given("concurrency") && !sessions) {
    throw new UsageError(
      `--concurrency does not apply to --mode ${mode}: it runs one client — use --mode sessions or classic`,
    );
  }
}

/** What the other commands make of a flag: which take it, and whether a whole line passes one's checks. */
export interface OtherCommands {
  /** The commands that take `flag` (a name or an alias). */
  taking(flag: string): string[];
  /** Whether `line` (a command's name, then its flags) passes that command's parser and checks. */
  accepts(line: string[]): boolean;
}

const NO_OTHERS: OtherCommands = { taking: () => [], accepts: () => false };

/** The value typed after `--flag` (or in `--flag=value`), if any. */
function typedValue(flag: string, args: string[]): string | undefined {
  const i = args.findIndex((arg) => arg.replace(/^-+/, "") === flag && arg.startsWith("-"));
  if (i !== -1) return args[i + 1]?.startsWith("-") ? undefined : args[i + 1];
  return args
    .find((arg) => /^--?[^=]+=/.test(arg) && arg.replace(/^-+/, "").split("=")[0] === flag)
    ?.split("=")
    .slice(1)
    .join("=");
}

/** A word as a shell takes it back: quoted when it has spaces or anything the shell would read. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * A flag this command does not take, as typed (-v, --prot): this command's own flag a typo away that
 * takes the value typed (--host two for --hosts two), or the commands that take it, with the line to
 * type instead when all of it fits one of them (checked by that command's own parser and checks, so
 * the line suggested is never itself refused), or the nearest of this command's own flags (one letter
 * for one letter: -v, -V).
 */
function unknownFlag(
  flag: string,
  options: OptionDefinitions,
  commands: readonly string[],
  args: string[],
  others: OtherCommands,
): string {
  const short = flag.length === 1;
  const shown = `${short ? "-" : "--"}${flag}`;
  const command = args.find((arg) => commands.includes(arg));
  const elsewhere = others.taking(flag);
  const names =
    elsewhere.length <= 1 ? elsewhere[0] : `${elsewhere.slice(0, -1).join(", ")} and ${elsewhere.at(-1)}`;
  const value = typedValue(flag, args);
  const own = [...new Set([...Object.keys(options.key), ...Object.values(options.alias).flat()])];
  const meant = short
    ? undefined
    : closest(flag, own).find((near) => value !== undefined && options.choices[near]?.includes(value));
  if (meant) {
    return `unknown flag ${shown} for ${command ?? "run"} — did you mean --${meant} ${value}?${names ? ` (${shown} is for ${names})` : ""}`;
  }
  if (elsewhere.length > 0) {
    if (command === "experiment" && (LINK_FLAGS as readonly string[]).includes(flag)) {
      return `unknown flag ${shown} for experiment: the lab's experiments set their own link conditions (${shown} is for ${names})`;
    }
    const rest = args.filter((arg) => arg !== command);
    const fitting = elsewhere.find((other) => others.accepts([other, ...rest]));
    const line = fitting ? `: playground ${[fitting, ...rest].map(shellWord).join(" ")}` : "";
    return `unknown flag ${shown} for ${command ?? "run"}: ${shown} is for ${names}${line}`;
  }
  // Any letter is one edit from any other: for one letter, only the other case (-v, -V) is a guess.
  const flags = own.filter((name) =>
    short ? name !== flag && name.toLowerCase() === flag.toLowerCase() : name.length > 1,
  );
  return `unknown flag ${shown}${didYouMean(flag, flags, (f) => `${short ? "-" : "--"}${f}`)}`;
}

/**
 * yargs' own complaints as ours: one line, the word as typed, and a did-you-mean from the command's
 * flags (for a word typed as a flag) or from the commands (for a bare word, which the default command
 * `run` would otherwise take as an argument).
 */
export function rewordYargsMessage(
  message: string,
  options: OptionDefinitions,
  commands: readonly string[],
  args: string[],
  others: OtherCommands = NO_OTHERS,
): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (unknown) {
    // yargs names a --two-words flag twice, also as twoWords: keep the spelling that was typed.
    const words = (unknown[1] ?? "").split(", ");
    const kebab = (word: string) => word.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return words
      .filter((word) => word === kebab(word) || !words.includes(kebab(word)))
      .map((word) =>
        args.some((arg) => arg.replace(/^-+/, "").split("=")[0] === word && arg.startsWith("-"))
          ? unknownFlag(kebab(word), options, commands, args, others)
          : `unknown argument '${word}'${didYouMean(word, commands)}`,
      )
      .join("; ");
  }
  const invalid = /Argument: (\S+), Given: (.*), Choices: (.*)$/m.exec(message);
  if (invalid) {
    const [, flag, given = "", list = ""] = invalid;
    const typed = given.replace(/^"(.*)"$/, "$1");
    const choices = [...list.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
    const near = closest(typed, choices);
    // A positional (completion's shell) is no flag: shown as the word it is.
    const shown = args.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`))
      ? `--${flag}`
      : flag;
    return `${shown} ${typed}: use one of ${choices.join(", ")}${near.length ? ` — did you mean ${near.join(" or ")}?` : ""}`;
  }
  return message.replace(/\s*\n\s*/g, " ");
}
