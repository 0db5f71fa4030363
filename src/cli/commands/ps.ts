import type { ProcessFieldsFragment, ProcessUsageFieldsFragment } from "../../sdk/client";
import { parsePairs } from "../args";
import type { Command, CommandContext } from "../context";
import { awaitScale } from "../deploys";
import { CliError, UsageError } from "../errors";
import { runInteractive } from "../interactive-run";
import type { Terminal } from "../io";
import { time } from "../output";
import { withProgress } from "../progress";

type ProcessRow = ProcessFieldsFragment & Partial<ProcessUsageFieldsFragment>;

/** 38M, 1.5G: bytes in binary units, as limits are written. */
export function shortBytes(bytes: number): string {
  const units = ["B", "K", "M", "G", "T"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

/** `38M/512M (7%)`: memory in use against the limit; "-" when not known. */
export function memoryCell(p: Partial<ProcessUsageFieldsFragment>): string | null {
  if (p.memoryBytes === null || p.memoryBytes === undefined) return null;
  if (!p.memoryLimitBytes) return shortBytes(p.memoryBytes);
  return `${shortBytes(p.memoryBytes)}/${shortBytes(p.memoryLimitBytes)} (${Math.round((p.memoryBytes / p.memoryLimitBytes) * 100)}%)`;
}

/** With usage (from `processes`): CPU, memory and restarts columns; the table is cut to the terminal's width. */
function processTable(ctx: CommandContext, processes: readonly ProcessRow[], withUsage = false): string {
  const sorted = [...processes].sort((a, b) => a.type.localeCompare(b.type) || a.num - b.num);
  // Under Swarm each process runs on a node: a column for it (none on one engine).
  const nodes = sorted.some((p) => p.node);
  const node = (p: ProcessRow) => (nodes ? [p.node] : []);
  const nodeHeader = nodes ? ["node"] : [];
  if (!withUsage) {
    return ctx.out.table(
      ["process", "state", "release", "started", ...nodeHeader, "address"],
      sorted.map((p) => [`${p.type}.${p.num}`, p.state, `v${p.version}`, time(p.startedAt), ...node(p), p.address]),
    );
  }
  return ctx.out.table(
    ["process", "state", "release", "cpu", "memory", "restarts", "started", ...nodeHeader, "address"],
    sorted.map((p) => [
      `${p.type}.${p.num}`,
      p.state,
      `v${p.version}`,
      p.cpuPercent === null || p.cpuPercent === undefined ? null : `${p.cpuPercent.toFixed(1)}%`,
      memoryCell(p),
      p.restarts,
      time(p.startedAt),
      ...node(p),
      p.address,
    ]),
  );
}

/** `web=3` as a type and a whole count. */
function scaleCounts(ctx: CommandContext): { type: string; count: number }[] {
  return parsePairs(ctx.args, "TYPE=COUNT like web=3", ctx.command.name).map(({ key, value }) => {
    if (!/^\d{1,4}$/.test(value)) throw new UsageError(`the count of ${key} must be a whole number, got "${value}"`, ctx.command.name);
    return { type: key, count: Number(value) };
  });
}

/** `web` or `web.2` as a type and an optional process number. */
function processTarget(ctx: CommandContext, text: string | undefined): { type?: string; num?: number } {
  if (text === undefined) return {};
  const match = /^([A-Za-z0-9_-]+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new UsageError(`"${text}" is not a process type or TYPE.NUMBER like web.2`, ctx.command.name);
  return { type: match[1], ...(match[2] ? { num: Number(match[2]) } : {}) };
}

/**
 * The terminal `run` hands to the command, or null to run it without one: -i/-t ask for one (a
 * usage error with the others that rule it out, an error when there is no terminal); -T, --json
 * and --timeout run without; else a terminal whenever stdin and stdout are one.
 */
function interactiveTerminal(ctx: CommandContext): Terminal | null {
  const asked = ctx.flag("interactive") || ctx.flag("tty");
  const against = ctx.flag("no-tty") ? "-T" : ctx.json ? "--json" : ctx.string("timeout") !== undefined ? "--timeout" : null;
  if (asked && against) throw new UsageError(`-it (a terminal session) and ${against} do not go together`, ctx.command.name);
  if (against) return null;
  if (asked && !ctx.io.terminal) {
    throw new CliError("-it needs a terminal: stdin and stdout here are not one", "Run it at a terminal, or without -it to get the output when the command ends.");
  }
  return ctx.io.terminal ?? null;
}

/** Characters a POSIX shell reads as themselves: an argument made only of them needs no quotes. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as the shell reads it back exactly: as is when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (SHELL_SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line `run` sends (the platform runs it with /bin/sh -c). One argument is a command
 * line already (`deis run "echo $HOME"`, as with heroku run); several are quoted so that the
 * container's shell gets exactly these arguments (`deis run -- sh -c 'exit 4'`).
 */
export function shellCommand(args: readonly string[]): string {
  return args.length === 1 ? args[0] : args.map(shellQuote).join(" ");
}

export const psCommands: Command[] = [
  {
    name: "ps",
    aliases: ["ps:list"],
    topic: "ps",
    usage: "",
    description: "list the app's processes, live from the engine, with their CPU, memory (and limit) and restarts",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { processes } = await ctx.sdk.ProcessUsage({ app });
      ctx.out.result(processes, () =>
        ctx.out.line(ctx.out.heading(`${app} Processes`), processes.length === 0 ? "no processes (nothing deployed, or scaled to 0)" : processTable(ctx, processes, true)),
      );
    },
  },
  {
    name: "ps:scale",
    aliases: ["scale"],
    topic: "ps",
    usage: "TYPE=COUNT...",
    description: "set how many processes of each type run, and wait until they do (makes no release)",
    examples: ["deis ps:scale web=3", "deis ps:scale web=2 worker=1", "deis ps:scale worker=0 --no-wait"],
    options: [{ name: "no-wait", description: "return once the change is recorded, without waiting for the processes" }],
    app: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const counts = scaleCounts(ctx);
      const { scale } = await ctx.sdk.Scale({ app, processes: counts });
      const processes = ctx.noWait ? null : await awaitScale(ctx, app, counts);
      // The progress line on stderr already said "Scaling ... done": stdout holds only the result.
      ctx.out.result(scale, () => {
        if (!processes) ctx.out.line(`Scaling ${app} to ${scale.structure.map((s) => `${s.type}=${s.count}`).join(" ")} in the background`);
        else ctx.out.line(processes.length === 0 ? "no processes" : processTable(ctx, processes));
      });
    },
  },
  {
    name: "ps:restart",
    aliases: ["restart"],
    topic: "ps",
    usage: "[TYPE[.NUMBER]]",
    description: "restart every process, one type, or one process, one at a time",
    examples: ["deis ps:restart", "deis ps:restart web", "deis ps:restart web.2"],
    app: true,
    args: { max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const target = processTarget(ctx, ctx.args[0]);
      const what = ctx.args[0] ?? "all processes";
      const { restart } = await withProgress(ctx.io, `Restarting ${what} of ${app}`, () => ctx.sdk.Restart({ app, ...target }));
      ctx.out.result(restart, (processes) => ctx.out.line(`Restarted ${what} of ${app}`, processTable(ctx, processes)));
    },
  },
  {
    name: "run",
    topic: "ps",
    usage: "[-it|-T] [--timeout SECONDS] COMMAND...",
    description:
      "run a one-off command with the app's image and config; exits with its exit status. At a terminal (stdin and stdout) it gets a terminal of its own: " +
      "keys, Ctrl-C and window size reach it, as with heroku run; -T runs it without one (its stdout and stderr apart)",
    examples: [
      "deis run bash                    # at a terminal: an interactive shell in a one-off",
      "deis run -it -a my-shop sh       # insist on a terminal (an error without one)",
      "deis run ls -la /app",
      "deis run -T --timeout 600 -a my-shop npm run migrate",
      "deis run 'echo $GREETING'        # one argument: a shell command line",
      "deis run -- sh -c 'exit 4'       # several: passed exactly as given",
    ],
    options: [
      { name: "interactive", short: "i", description: "a terminal session: what you type, Ctrl-C and the window's size reach the command (needs a terminal)" },
      { name: "tty", short: "t", description: "the same as -i (-it, as with docker run)" },
      { name: "no-tty", short: "T", description: "no terminal even at one: the output comes back when the command ends, stdout and stderr apart" },
      { name: "timeout", value: "SECONDS", description: "without a terminal: stop the command after this long (default 60, at most 900)" },
    ],
    app: true,
    rest: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const command = shellCommand(ctx.args);
      const terminal = interactiveTerminal(ctx);
      if (terminal) return runInteractive(ctx, app, command, terminal);
      const timeoutSeconds = ctx.int("timeout", 60, 1, 900)!;
      const sdk = ctx.sdkAllowing(timeoutSeconds * 1000);
      const { run } = await withProgress(
        ctx.io,
        `Running \`${command}\` on ${app}`,
        () => sdk.Run({ app, command, timeoutSeconds }),
        ({ run: r }) => (r.timedOut ? "timed out" : `done, exit status ${r.exitCode}`),
      );
      // The command's stdout to ours and its stderr to ours, so `deis run ... > out.txt` holds only stdout.
      ctx.out.result(run, (r) => {
        if (r.stdout) ctx.io.stdout.write(r.stdout);
        if (r.stderr) ctx.io.stderr.write(r.stderr);
      });
      if (run.timedOut) {
        ctx.out.note(`Error: \`${command}\` ran out of time after ${timeoutSeconds} s (allow more with --timeout SECONDS)`);
        return run.exitCode || 124;
      }
      return run.exitCode;
    },
  },
  {
    name: "run:detached",
    topic: "ps",
    usage: "COMMAND...",
    description: "run a one-off command in the background, logged as run.N",
    examples: ["deis run:detached npm run migrate", "deis logs -d run.4821 -t   # follow its output", "deis ps:stop run.4821"],
    app: true,
    rest: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const command = shellCommand(ctx.args);
      const { runDetached: name } = await ctx.sdk.RunDetached({ app, command });
      ctx.out.result({ app, name, command }, () => {
        ctx.out.line(`Running \`${command}\` on ${app} as ${name}`);
        ctx.out.line(`Follow its output with deis logs -d ${name} -t; stop it with deis ps:stop ${name}`);
      });
    },
  },
  {
    name: "ps:stop",
    aliases: ["stop"],
    topic: "ps",
    usage: "run.NUMBER",
    description: "stop a detached one-off (its name as deis ps shows it)",
    examples: ["deis ps:stop run.4821"],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      await ctx.sdk.StopOneOff({ app, name: ctx.args[0] });
      ctx.out.result({ app, stopped: ctx.args[0] }, () => ctx.out.line(`Stopped ${ctx.args[0]} of ${app}`));
    },
  },
];
