#!/usr/bin/env node
// The command line: flags in, one call out, and the one place that turns a failure into a line on
// stderr and an exit code (2 for usage, 1 for everything else). Command modules are imported only when
// their command runs, so `playground --help` loads no socket code at all.
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { chooseShell, SHELLS, valuesFor } from "./commands/completion.js";
import { benchLine } from "./commands/flags/bench.js";
import { clientLine } from "./commands/flags/client.js";
import { compareLine } from "./commands/flags/compare.js";
import { experimentLine } from "./commands/flags/experiment.js";
import { reportLine } from "./commands/flags/report.js";
import { runLine } from "./commands/flags/run.js";
import { serverLine } from "./commands/flags/server.js";
import { type CommandSpec, withHandler } from "./commands/flags/shared.js";
import { helpWidth, layoutHelp } from "./commands/help-layout.js";
import { warn } from "./commands/notice.js";
import {
  checkFlags,
  type OptionDefinitions,
  type OtherCommands,
  rewordYargsMessage,
} from "./commands/validate.js";
import { OpError, SetupError, UsageError } from "./errors.js";
import { notInterrupted } from "./leftovers.js";

// The commands, in the order --help lists them: each one's line (options beside its flags type, in
// commands/flags/) and its handler, whose module loads only when it runs: --help loads no socket code.
const COMMANDS = [
  withHandler(runLine, async () => (await import("./commands/run.js")).run),
  withHandler(serverLine, async () => (await import("./commands/server.js")).server),
  withHandler(clientLine, async () => (await import("./commands/client.js")).client),
  withHandler(compareLine, async () => (await import("./commands/compare.js")).compare),
  withHandler(experimentLine, async () => (await import("./commands/experiment.js")).experiment),
  withHandler(benchLine, async () => (await import("./commands/bench.js")).bench),
  withHandler(reportLine, async () => (await import("./commands/report.js")).report),
] as const;

/** The commands' names: a usage error points at the help of the one typed. */
const COMMAND_NAMES = new Set<string>([...COMMANDS.map((c) => c.name), "completion"]);

/** Register one command; whatever its handler throws becomes one line and an exit code, never a stack trace. */
function register<T>(y: Argv, spec: CommandSpec<T>): Argv {
  return y.command(spec.command, spec.describe, spec.builder, async (flags) => {
    try {
      await (await spec.load())(flags);
    } catch (err) {
      // A child stopped by Ctrl-C fails its caller: that is the interrupt, which says so in one line.
      await notInterrupted();
      fail(err);
    }
  });
}

/** The other commands, for a flag one does not take: which take it, and whether a line fits one. */
const OTHERS: OtherCommands = {
  taking: (flag) =>
    COMMANDS.filter((spec) => {
      const { key, alias } = optionsOf(spec.builder(yargs([])));
      return flag in key || Object.values(alias).flat().includes(flag);
    }).map((spec) => spec.name),
  accepts: ([name, ...rest]) => {
    const spec = COMMANDS.find((c) => c.name === name) as CommandSpec<unknown> | undefined;
    if (!spec) return false;
    // The command alone, parsed by yargs with its checks and ours, as it would be if typed; it runs nothing.
    let fits = true;
    const line = [spec.name, ...rest];
    const y = yargs([]);
    try {
      y.command(spec.command, spec.describe, spec.builder, () => {})
        .middleware((argv) => void checkFlags(argv, optionsOf(y), line), true)
        .strict()
        .help(false)
        .version(false)
        .exitProcess(false)
        .fail(() => {
          fits = false;
        })
        .parse(line);
    } catch {
      return false;
    }
    return fits;
  },
};

function fail(err: unknown): void {
  if (err instanceof UsageError) {
    process.stderr.write(
      `playground: ${err.message}\n(see ${["playground", typedCommand(), "--help"].filter(Boolean).join(" ")})\n`,
    );
    process.exitCode = 2;
  } else if (err instanceof SetupError) {
    process.stderr.write(`playground: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof OpError) {
    process.stderr.write(`playground: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`playground: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

/** The command on the command line (the first word that is not a flag), if it is one of ours. */
function typedCommand(): string | undefined {
  const first = hideBin(process.argv).find((arg) => !arg.startsWith("-"));
  return first !== undefined && COMMAND_NAMES.has(first) ? first : undefined;
}

// A reader that goes away (`playground | head`) is no failure of ours: stop quietly.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

chooseShell(hideBin(process.argv));
const cli = yargs(hideBin(process.argv));

/** A yargs instance's option definitions: public in yargs 17, missing from @types/yargs. */
function optionsOf(y: unknown): OptionDefinitions {
  return (y as { getOptions(): OptionDefinitions }).getOptions();
}

/** The chosen command's option definitions. */
function commandOptions(): OptionDefinitions {
  return optionsOf(cli);
}

// Each spec was typed whole by withHandler (its handler takes what its options give); the table mixes
// their types, so here they are registered as what they have in common.
const withCommands = COMMANDS.reduce<Argv>((y, spec) => register(y, spec as CommandSpec<unknown>), cli);

await withCommands
  .scriptName("playground")
  .usage("$0 [command] [options]\n\nThe classic lab's exchange over any Linux socket.")
  // Not yargs' .completion(): its command does not stop where a parse callback is given (below), so
  // the default command would run after the script. The script asks `--get-yargs-completions`.
  // yargs' .completion() is the one way to give Tab our values; its own command is hidden, under a
  // name nobody types, so that it never takes the word `completion` from ours.
  .completion(
    "__yargs-completion",
    false,
    (_current: string, _argv: unknown, yargsOwn: () => void, done: (values: string[]) => void) => {
      const words = hideBin(process.argv);
      const values = valuesFor(words.slice(words.indexOf("--get-yargs-completions") + 1));
      if (values) done(values);
      else yargsOwn();
    },
  )
  .command(
    "completion [shell]",
    "print a bash or zsh completion script: Tab completes commands, flags and their values",
    (y) =>
      y
        .positional("shell", {
          type: "string",
          choices: SHELLS,
          describe: "the script's shell (default: $SHELL's, else bash)",
        })
        .example("$0 completion bash >> ~/.bashrc", "bash, from the next shell on")
        .example("$0 completion zsh >> ~/.zshrc", "zsh"),
    () => {
      // The command's name for the script's comment: yargs' own would be the hidden one above.
      (cli as unknown as { showCompletionScript($0: string, cmd: string): void }).showCompletionScript(
        "playground",
        "completion",
      );
    },
  )
  // Before yargs' own checks, once the command's options are known: numbers, and flags that do not apply.
  .middleware((argv) => {
    try {
      for (const warning of checkFlags(argv, commandOptions(), hideBin(process.argv))) {
        warn(warning);
      }
    } catch (err) {
      fail(err);
      process.exit(process.exitCode);
    }
  }, true)
  .strict()
  .help()
  .alias("help", "h")
  .version()
  .alias("version", "V")
  // Unwrapped here; layoutHelp wraps it below, at spaces and never inside an example command.
  .wrap(null)
  .fail((message, err) => {
    // Only yargs' own checks land here (handlers catch their errors): nothing has started yet.
    const commands = [...COMMAND_NAMES];
    fail(
      err ??
        new UsageError(
          rewordYargsMessage(message, commandOptions(), commands, hideBin(process.argv), OTHERS),
        ),
    );
    process.exit(process.exitCode);
  })
  // A parse callback makes yargs hand us what it would print (help, version) instead of printing it.
  .parseAsync(hideBin(process.argv), {}, (_err, argv, output) => {
    if (output) process.stdout.write(`${argv.help ? layoutHelp(output, helpWidth()) : output}\n`);
  });
