// Flags are checked before anything starts: a bad number, a flag that means nothing where it is given,
// a typo. The number flags are read from each command's help (yargs prints `[number]` for each one it
// defines), so a number flag added later is fed the same bad values without touching this file.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { expected, numberRule } from "../../src/commands/validate.js";
import { playground, ServerProcess } from "../helpers/cli.js";
import { removeTempDirs, tempDir } from "../helpers/temp.js";

afterEach(removeTempDirs);

/** A usage error: exit 2, nothing on stdout, one line and the help pointer on stderr. */
async function refused(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await playground(args);
  expect(stdout).toBe("");
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(code, stderr).toBe(2);
  const lines = stderr.split("\n");
  expect(lines).toHaveLength(3); // the error, "(see playground ... --help)", and the final newline
  expect(lines[1]).toMatch(/^\(see playground( \w+)? --help\)$/);
  return lines[0] as string;
}

async function helpOf(command: string[]): Promise<string> {
  return (await playground([...command, "--help"], 20_000, { COLUMNS: "1000" })).stdout;
}

const top = await helpOf([]);
const commands = top.split("\n").flatMap((line) => /^ {2}playground ([a-z]+)/.exec(line)?.[1] ?? []);
/** Every flag of every command whose help line ends in `[<kind>]`, as { command, flag }. */
async function flagsOfKind(kind: string): Promise<{ command: string; flag: string }[]> {
  const helps = await Promise.all(
    commands.map(async (command) => ({ command, help: await helpOf([command]) })),
  );
  return helps.flatMap(({ command, help }) =>
    help
      .split("\n")
      .flatMap((line) =>
        line.includes(`[${kind}]`) ? (/^ +(?:-\w, )?--([a-z-]+)/.exec(line)?.slice(1) ?? []) : [],
      )
      .map((flag) => ({ command, flag })),
  );
}

const stringFlags = await flagsOfKind("string");

const numberFlags = (
  await Promise.all(
    commands.map(async (command) =>
      (
        await helpOf([command])
      )
        .split("\n")
        .flatMap((line) => (/\[number\]/.test(line) ? [/--([a-z-]+)/.exec(line)?.[1] ?? "?"] : []))
        .map((flag) => ({ command, flag })),
    ),
  )
).flat();

/** Values no rule accepts, and the ones just outside this flag's range. */
function badValues(command: string, flag: string): string[] {
  const rule = numberRule(command, flag);
  if (!rule) return [];
  // yargs' Number() takes hex, binary, octal and exponents: only plain decimal is what the user meant.
  const values = ["abc", "", String(rule.min - 1), String(rule.max + 1), "Infinity", "0x10", "0b1", "1e1"];
  if (rule.above) values.push(String(rule.min));
  if (rule.whole) values.push(String(rule.min + 0.5));
  return values;
}

it("finds the number flags of every command", () => {
  expect(commands).toEqual([
    "run",
    "server",
    "client",
    "compare",
    "experiment",
    "bench",
    "report",
    "completion",
  ]);
  expect(numberFlags.length).toBeGreaterThanOrEqual(18);
});

describe.each(numberFlags)("$command --$flag", ({ command, flag }) => {
  it("has a range in validate.ts", () => expect(numberRule(command, flag)).toBeDefined());

  it.each(badValues(command, flag))(
    "rejects %j: exit 2, naming the flag, the value and the range",
    async (value) => {
      const line = await refused([command, `--${flag}`, value]);
      const rule = numberRule(command, flag);
      expect(line).toContain(`playground: --${flag} ${value === "" ? "''" : value}: `);
      expect(line).toContain(`give ${expected(rule as NonNullable<typeof rule>)}`);
    },
  );
});

/**
 * Every option that takes a value, from every command's help: its spellings as listed (`-t, --type`,
 * `--transport, --transports`), and two values it takes (its first choices, else two numbers or words).
 * Booleans are left out: yargs keeps the last of them, so a second one is harmless.
 */
const valuedFlags = (
  await Promise.all(
    commands.map(async (command) =>
      (await helpOf([command])).split("\n").flatMap((line) => {
        const spellings = /^ +((?:-\w, )?--[a-z-]+(?:, --[a-z-]+)*) /.exec(line)?.[1]?.split(", ");
        if (!spellings || line.includes("[boolean]")) return [];
        const choices = [...(/\[choices: (.*?)\]/.exec(line)?.[1]?.matchAll(/"([^"]*)"/g) ?? [])].map(
          (m) => m[1] as string,
        );
        const values = choices.length > 0 ? [choices[0], choices[1] ?? choices[0]] : ["7", "8"];
        const flag = spellings.find((s) => s.startsWith("--"))?.slice(2) as string;
        return [{ command, flag, first: spellings[0] as string, last: spellings.at(-1) as string, values }];
      }),
    ),
  )
).flat();

it("finds every option that takes a value, with its aliases", () => {
  expect(valuedFlags.length).toBeGreaterThanOrEqual(60);
  expect(valuedFlags).toContainEqual(expect.objectContaining({ command: "compare", last: "--transports" }));
  expect(valuedFlags).toContainEqual(
    expect.objectContaining({ command: "run", first: "-t", last: "--type" }),
  );
});

// One value where one is meant: a second one is refused before anything runs, not sent as two NUL
// bytes, joined into "drop,reject" or crashed on; given once under each of two spellings too.
describe.each(valuedFlags)("$command $last", ({ command, flag, first, last, values }) => {
  const [a, b] = values as [string, string];
  // Under its first and last spellings (-t, --type), and its last twice.
  it.each(
    first === last
      ? [[last, last]]
      : [
          [first, last],
          [last, last],
        ],
  )("given twice (%s, %s) is refused: exit 2, naming it and both values", async (one, two) => {
    const line = await refused([command, one, a, two, b]);
    expect(line).toMatch(new RegExp(`^playground: --${flag} was given twice \\(${a}, ${b}\\): give it once`));
  });
});

it.each([
  [
    ["compare", "--transport", "tcp4", "--transports", "udp4"],
    "playground: --transport was given twice (tcp4, udp4): give it once, its values joined by commas: --transport tcp4,udp4",
  ],
  [
    ["--message", "aaa", "--message", "bbb", "-m", "ccc"],
    "playground: --message was given 3 times (aaa, bbb, ccc): give it once",
  ],
  [["server", "--port", "0x10", "--port", "3"], "playground: --port was given twice (0x10, 3): give it once"],
])("a flag given twice says how to give it once: %j", async (args, message) => {
  expect(await refused(args)).toBe(message);
});

describe.each(stringFlags)("$command --$flag", ({ command, flag }) => {
  it("given no value (last, or before another flag) is refused, not run with its default", async () => {
    const line = await refused([command, `--${flag}`]);
    expect(line).toMatch(new RegExp(`^playground: --${flag} needs a value: give \\S`));
    expect(await refused([command, `--${flag}`, "--json"])).toBe(line);
  });

  it.skipIf(flag === "message")("given as '' is refused", async () => {
    expect(await refused([command, `--${flag}=`])).toMatch(
      /^playground: --[a-z-]+ (''|needs a value)|: use one of /,
    );
  });
});

it("a one-letter flag with no value is named as typed", async () => {
  expect(await refused(["-m"])).toBe(
    "playground: -m needs a value: give the text to send, quoted if it has spaces",
  );
});

it.each([
  ["server", "--path", ""],
  ["server", "--host", ""],
  ["client", "--path", ""],
  ["client", "--host", ""],
])("%s %s '' is a usage error, not the kernel's EINVAL", async (...args) => {
  expect(await refused(args)).toMatch(/^playground: --(path|host) '' is empty: give /);
});

describe("values in range get through the checks", () => {
  it("the edges of a range are accepted (the client then finds no server: exit 1, not 2)", async () => {
    const { code, stderr } = await playground(["client", "--port", "65535", "--timeout", "0.5"]);
    expect(stderr).toMatch(/^playground: connect ECONNREFUSED 127\.0\.0\.1:65535/);
    expect(code).toBe(1);
  });

  it("a negative number after a flag is its value, not a flag", async () => {
    expect(await refused(["server", "--port", "-5"])).toMatch(/^playground: --port -5: too small/);
  });
});

describe("a flag that means nothing where it is given is refused, or warned about; never ignored", () => {
  it.each([
    [
      ["--abstract"],
      /^playground: --abstract does not apply to tcp4: an abstract name is a unix address, on all three unix transports; tcp4 has ports — add --transport unix-stream, unix-dgram or unix-seqpacket$/,
    ],
    [["--transport", "udp6", "--abstract"], /^playground: --abstract does not apply to udp6/],
    [
      ["bench", "--mode", "pingpong", "--concurrency", "4"],
      /^playground: --concurrency does not apply to --mode pingpong/,
    ],
    [["bench", "--mode", "classic", "--size", "64"], /^playground: --size does not apply to --mode classic/],
    [
      ["experiment", "list", "--transport", "tcp4"],
      /^playground: --transport chooses where experiments run, and list runs none/,
    ],
  ])("refused: %j", async (args, message) => {
    expect(await refused(args)).toMatch(message);
  });

  // A moot limit is a warning, so that a script can pass the same limits to every transport.
  it.each([
    [["--retries", "2"], "--retries does not apply to tcp4, so it is ignored: resends are for datagrams"],
    [
      ["--transport", "unix-seqpacket", "--retries", "1"],
      "--retries does not apply to unix-seqpacket, so it is ignored",
    ],
  ])("warned: %j, and the run goes on", async (args, warning) => {
    const { code, stderr, stdout } = await playground([...args, "--format", "lines"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Received from server: Message received!");
    expect(stderr.split("\n")).toHaveLength(2);
    expect(stderr).toMatch(new RegExp(`^playground: warning: ${warning}`));
  });

  it.each([
    [
      ["--mode", "644"],
      "--mode does not apply to tcp4, so it is ignored: it sets a unix socket file's permissions",
    ],
    [["--max-peers", "5"], "--max-peers does not apply to tcp4, so it is ignored: .* use --max-connections"],
    [
      ["--transport", "unix-dgram", "--max-connections", "5"],
      "--max-connections does not apply to unix-dgram",
    ],
    [["--transport", "udp4", "--message-timeout", "5"], "--message-timeout does not apply to udp4"],
    [["--transport", "udp6", "--send-timeout", "5"], "--send-timeout does not apply to udp6"],
  ])("warned: server %j, and it serves", async (args, warning) => {
    const where = args.includes("unix-dgram") ? ["--path", join(tempDir(), "s.sock")] : ["--port", "0"];
    const server = new ServerProcess([...args, ...where]);
    try {
      await server.address();
      expect(server.output).toMatch(new RegExp(`^playground: warning: ${warning}`, "m"));
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it.each([
    [
      ["--json", "--format", "mermaid"],
      /^playground: --json is short for --format json, and --format mermaid was given too: give one$/,
    ],
    [["compare", "--json", "--format", "markdown"], /--format markdown was given too/],
    [
      ["--transport", "unix-stream", "--abstract", "--path", "/tmp/x.sock"],
      /^playground: --abstract and --path both choose the address: give one$/,
    ],
  ])("conflicting %j", async (args, message) => {
    expect(await refused(args)).toMatch(message);
  });

  it("the same flags where they apply: no word", async () => {
    const udp = await playground(["--transport", "udp4", "--retries", "0", "--format", "lines"]);
    expect(udp.stderr).toBe("");
    expect(udp.code).toBe(0);
    const json = await playground(["--json", "--format", "json"]);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
  });
});

describe("a typo gets a did-you-mean", () => {
  it.each<[string[], string | RegExp]>([
    [["server", "--prot", "5"], "playground: unknown flag --prot — did you mean --port?"],
    [["server", "--max-peer", "5"], "playground: unknown flag --max-peer — did you mean --max-peers?"],
    [["bench", "--durration", "1"], "playground: unknown flag --durration — did you mean --duration?"],
    [["sever"], "playground: unknown argument 'sever' — did you mean server?"],
    [
      ["--format", "ladders"],
      "playground: --format ladders: use one of ladder, lines, mermaid, json — did you mean ladder?",
    ],
    [
      ["experiment", "conect-no-listener"],
      "playground: no experiment 'conect-no-listener' — did you mean connect-no-listener? (playground experiment list shows them all)",
    ],
    [["experiment", "message-boundary"], /did you mean message-boundaries\?/],
    [
      ["--transport", "udp"],
      /^playground: unknown --transport 'udp': use one of .* — did you mean udp4 or udp6\?$/,
    ],
    // Every list of names the user picks from guesses: list and all among the experiments, a rule of
    // --message-end, a family or type (a C name as C spells it), a one-letter flag as typed.
    [["experiment", "lsit"], /^playground: no experiment 'lsit' — did you mean list\?/],
    [["experiment", "al"], /^playground: no experiment 'al' — did you mean all\?/],
    [["--message-end", "newlin"], /^playground: --message-end newlin: .* — did you mean newline\?$/],
    [["--family", "unx"], /^playground: unknown --family 'unx': .* — did you mean unix\?$/],
    [["--family", "AF_INT"], /— did you mean AF_INET\?$/],
    [["--type", "strem"], /^playground: unknown --type 'strem': .* — did you mean stream\?$/],
    [["-v"], "playground: unknown flag -v — did you mean -V?"],
    // A flag of another command: which ones take it, and the line to type.
    [
      ["--port", "1234"],
      "playground: unknown flag --port for run: --port is for server and client: playground server --port 1234",
    ],
    // The line to type only when all of it fits that command: `run --abstract` is refused on tcp4.
    [["compare", "--abstract"], "playground: unknown flag --abstract for compare: --abstract is for run"],
    [
      ["compare", "--abstract", "--transport", "unix-dgram"],
      "playground: unknown flag --abstract for compare: --abstract is for run: playground run --abstract --transport unix-dgram",
    ],
    [
      ["report", "--hosts", "two", "--out", "x.html"],
      "playground: unknown flag --hosts for report: --hosts is for run, compare and experiment",
    ],
    [
      ["report", "--duration", "1"],
      "playground: unknown flag --duration for report: --duration is for compare and bench: playground compare --duration 1",
    ],
    [
      ["report", "--bench", "--duration", "1"],
      "playground: unknown flag --duration for report: --duration is for compare and bench",
    ],
    [
      ["experiment", "fd-passing", "--abstract"],
      "playground: unknown flag --abstract for experiment: --abstract is for run",
    ],
    [
      ["--port", "1234", "-m", "a b"],
      "playground: unknown flag --port for run: --port is for server and client: playground client --port 1234 -m 'a b'",
    ],
    // The lab's experiments build their own link: no line with --loss, nor "add --hosts two".
    ...["loss", "mtu", "firewall", "delay"].flatMap((flag) =>
      [["lab-loss", "--hosts", "two"], []].map((before): [string[], string] => [
        ["experiment", ...before, `--${flag}`, flag === "firewall" ? "drop" : "5"],
        `playground: unknown flag --${flag} for experiment: the lab's experiments set their own link conditions (--${flag} is for run and compare)`,
      ]),
    ),
    // A flag of this command a typo away, that takes the value typed: that one, not another command.
    ...["run", "compare", "experiment"].flatMap((command) =>
      [["--host", "two"], ["--host=two"]].map((flag): [string[], string] => [
        [command, ...flag],
        `playground: unknown flag --host for ${command} — did you mean --hosts two? (--host is for server and client)`,
      ]),
    ),
    [
      ["--host", "127.0.0.1"],
      "playground: unknown flag --host for run: --host is for server and client: playground server --host 127.0.0.1",
    ],
  ])("%j", async (args, message) => {
    const line = await refused(args);
    if (typeof message === "string") expect(line).toBe(message);
    else expect(line).toMatch(message);
  });

  it("nothing near: no guess", async () => {
    expect(await refused(["server", "--zzzzzz"])).toBe("playground: unknown flag --zzzzzz");
  });
});
