import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, suggest } from "./args";
import { COMMANDS } from "./commands";
import { type Command, CommandContext } from "./context";
import { UsageError, describeFailure } from "./errors";
import { commandHelp, globalOptions, mainHelp, topicHelp, usageLine, wrapHelp, TOPICS } from "./help";
import { type Io, outputWidth, processIo } from "./io";

/** The package's version (package.json sits two folders up from both src/cli and dist/cli). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

const byName = new Map<string, Command>(COMMANDS.flatMap((c) => [[c.name, c] as const, ...(c.aliases ?? []).map((a) => [a, c] as const)]));
const topicNames = TOPICS.map(([name]) => name);

function unknownCommand(name: string): UsageError {
  const guess = suggest(name, [...byName.keys()]);
  return new UsageError(`'${name}' is not a deis command.${guess ? ` Did you mean ${guess}?` : ""} Run deis help for the list.`);
}

/** Help for people: wrapped to the terminal's width (80 columns when piped). */
function printHelp(io: Io, text: string): void {
  io.stdout.write(`${wrapHelp(text, outputWidth(io) ?? 80)}\n`);
}

/** `deis help [topic|command]`. */
function help(io: Io, subject: string | undefined): number {
  if (!subject) {
    printHelp(io, mainHelp(cliVersion()));
    return 0;
  }
  const command = byName.get(subject);
  // A topic that is also a command (config, apps, ps...) shows the topic's commands only; the
  // command's own usage is `deis config --help` (as `heroku help config` and `heroku config --help`).
  const inTopic = COMMANDS.filter((c) => c.topic === subject);
  if (topicNames.includes(subject) && inTopic.length > 1) {
    printHelp(io, topicHelp(subject, inTopic));
    return 0;
  }
  if (!command) throw unknownCommand(subject);
  printHelp(io, commandHelp(command));
  return 0;
}

/** The names of a command's required arguments, from its usage (e.g. NAME CERT.PEM KEY.PEM). */
function requiredArguments(command: Command): string[] {
  return command.usage.split(" ").filter((token) => token && !/[[\]]/.test(token) && !token.startsWith("-"));
}

async function dispatch(argv: readonly string[], io: Io, started: (ctx: CommandContext) => void): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return help(io, undefined);
  if (first === "help") return help(io, rest[0]);
  if (first === "--version" || first === "-v" || first === "version") {
    io.stdout.write(`deis/${cliVersion()} node/${process.versions.node}\n`);
    return 0;
  }
  if (first.startsWith("-")) throw new UsageError(`put the command first: deis COMMAND [flags] (got ${first})`);
  const command = byName.get(first);
  if (!command) throw unknownCommand(first);
  const parsed = parseArgs(rest, [...(command.options ?? []), ...globalOptions(command)], command.name, { stopAtPositional: command.rest });
  if (parsed.options.help === true) {
    printHelp(io, commandHelp(command));
    return 0;
  }
  const count = parsed.positionals.length;
  if (count < (command.args?.min ?? 0)) throw new UsageError(`missing argument: ${requiredArguments(command)[count] ?? command.usage}`, command.name);
  if (count > (command.args?.max ?? (command.args?.min === undefined ? 0 : Infinity))) {
    throw new UsageError(`unexpected argument "${parsed.positionals[command.args?.max ?? 0]}"`, command.name);
  }
  const ctx = new CommandContext(io, command, parsed.positionals, parsed.options);
  started(ctx);
  return (await command.run(ctx)) ?? 0;
}

/** The controller URL for an error message; null when it cannot be told. */
function controllerUrlOf(ctx: CommandContext | null): string | null {
  try {
    return ctx?.settings.url ?? null;
  } catch {
    return null;
  }
}

/**
 * Runs one `deis` command line and returns its exit code: 0 success, 1 an error from the platform
 * or the environment, 2 a usage error. Everything goes through `io`, so tests run it in process.
 * Never prints a stack trace.
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let ctx: CommandContext | null = null;
  try {
    return await dispatch(argv, io, (started) => (ctx = started));
  } catch (error) {
    if (error instanceof UsageError) {
      const command = error.command ? byName.get(error.command) : undefined;
      io.stderr.write(`Error: ${error.message}\n`);
      if (command) io.stderr.write(`Usage: ${usageLine(command)}\nSee deis help ${command.name}.\n`);
      return 2;
    }
    const failure = describeFailure(error, controllerUrlOf(ctx));
    io.stderr.write(`${failure.lines.join("\n")}\n`);
    return failure.exitCode;
  } finally {
    await (ctx as CommandContext | null)?.close().catch(() => undefined);
  }
}

/** The `deis` executable: bin/deis and `npm run deis` land here. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}

if (require.main === module) void main();
