import type { Command, CommandContext } from "../context";
import { CliError } from "../errors";
import { fields } from "../output";

/** One log line as the API gives it; `text` is `<RFC3339 time> <app>[<source>]: <message>`. */
export interface LogLine {
  readonly at: string;
  readonly app: string;
  readonly source: string;
  readonly message: string;
  readonly text: string;
}

/** Where `deis logs` reads from: the API's recent lines and its live subscription. */
export interface LogSource {
  recent(app: string, lines: number): Promise<readonly LogLine[]>;
  /** Lines as they are logged, until the caller stops reading. */
  follow(app: string): AsyncIterable<LogLine>;
}

/** The platform's log API through the SDK: the `logs` query and the `logBatches` subscription (lines in the batches they arrive in). */
export function sdkLogSource(ctx: CommandContext): LogSource {
  return {
    recent: async (app, lines) => (await ctx.sdk.Logs({ app, lines })).logs,
    follow(app) {
      // The subscription starts here, when the SDK is called, not at the first read.
      const stream = ctx.sdk.LogBatches({ app });
      return (async function* lines() {
        for await (const { logBatches } of stream) yield* logBatches;
      })();
    },
  };
}

/** Resolves when the Io's signal aborts (never without one). */
function aborted(signal: AbortSignal | undefined): Promise<"aborted"> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) return resolve("aborted");
    signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
}

/** Prints lines from `live` until the signal aborts or the stream ends; skips lines already printed. */
async function printLive(ctx: CommandContext, live: AsyncIterator<LogLine>, printed: ReadonlySet<string>, keep: (line: LogLine) => boolean): Promise<void> {
  const stop = aborted(ctx.io.signal);
  for (;;) {
    const next = live.next();
    next.catch(() => undefined); // after an abort, a late failure of this read is of no interest
    const result = await Promise.race([next, stop]);
    if (result === "aborted") {
      void Promise.resolve(live.return?.()).catch(() => undefined);
      return;
    }
    // Only Ctrl-C (the signal) ends a tail; a stream that ends by itself means the platform went away.
    if (result.done) throw new CliError("the live log stream ended: the controller closed it", "The platform may have stopped; run deis logs -t again once it is back.");
    if (!printed.has(key(result.value)) && keep(result.value)) printLine(ctx, result.value);
  }
}

const key = (line: LogLine) => `${line.at} ${line.text}`;

/** A line as text, or with --json as one JSON object per line (JSON Lines, for scripts reading as lines come). */
function printLine(ctx: CommandContext, line: LogLine): void {
  ctx.io.stdout.write(ctx.json ? `${JSON.stringify(line)}\n` : `${line.text}\n`);
}

/**
 * The lines `-s/--source` and `-d/--dyno` keep. As with heroku logs: `-s app` is the app's own
 * processes and `-s deis` the platform's lines (deis[api], deis[builder], the router); any other
 * source is matched as written (router, deis[api], a syslog sender's name). `-d web` is every web
 * process, `-d web.2` one of them.
 */
export function lineFilter(source: string | undefined, dyno: string | undefined): (line: LogLine) => boolean {
  const isProcess = (s: string) => /^[A-Za-z0-9_-]+\.\d+$/.test(s);
  const bySource = (line: LogLine) => {
    if (source === undefined) return true;
    if (source === "app") return isProcess(line.source);
    if (source === "deis") return line.source.startsWith("deis[") || line.source === "router";
    return line.source === source;
  };
  const byDyno = (line: LogLine) => dyno === undefined || line.source === dyno || line.source.startsWith(`${dyno}.`);
  return (line) => bySource(line) && byDyno(line);
}

/** `deis logs` over a log source (the SDK's, or a fake in tests). */
export function makeLogsCommand(sourceFor: (ctx: CommandContext) => LogSource): Command {
  return {
    name: "logs",
    topic: "logs",
    usage: "[-n LINES] [-t] [-s SOURCE] [-d PROCESS]",
    description: "show the app's recent log lines (its processes, the router, the platform); -t follows",
    examples: [
      "deis logs",
      "deis logs -n 500",
      "deis logs -t                # until Ctrl-C",
      "deis logs -t -d web         # only the web processes (web.1, web.2...)",
      "deis logs -s deis           # only the platform's lines (deis[api], deis[builder], router)",
    ],
    options: [
      { name: "num", short: "n", value: "LINES", description: "how many recent lines (default 100, at most 1000), before filters" },
      { name: "tail", short: "t", description: "keep printing new lines as they come, until Ctrl-C" },
      { name: "follow", short: "f", description: "the same as --tail" },
      { name: "source", short: "s", value: "SOURCE", description: "only lines from app (its processes), deis (the platform), or a source as written (router, deis[api])" },
      { name: "dyno", short: "d", value: "PROCESS", description: "only lines of a process type (web) or one process (web.1)" },
    ],
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const lines = ctx.int("num", 100, 1, 1000)!;
      const keep = lineFilter(ctx.string("source"), ctx.string("dyno"));
      const source = sourceFor(ctx);
      if (!ctx.flag("tail") && !ctx.flag("follow")) {
        const recent = (await source.recent(app, lines)).filter(keep);
        return ctx.out.result(recent, () => recent.forEach((line) => ctx.io.stdout.write(`${line.text}\n`)));
      }
      // Subscribe first so no line falls between the recent ones and the live ones; repeats are skipped.
      const live = source.follow(app)[Symbol.asyncIterator]();
      const recent = await source.recent(app, lines);
      recent.filter(keep).forEach((line) => printLine(ctx, line));
      await printLive(ctx, live, new Set(recent.map(key)), keep);
    },
  };
}

export const logsCommand = makeLogsCommand(sdkLogSource);

/** `deis logs:token`: the app's syslog ingest token and how to send with it; --rotate replaces it. */
export const logsTokenCommand: Command = {
  name: "logs:token",
  topic: "logs",
  usage: "[--rotate]",
  description: "show the app's syslog ingest token (lines sent to the platform's syslog receiver need it); --rotate replaces it",
  examples: ["deis logs:token", "deis logs:token --rotate    # the old token stops working"],
  options: [{ name: "rotate", description: "make a new token; lines with the old one are dropped from then on" }],
  app: true,
  async run(ctx) {
    const app = await ctx.app();
    const ingest = ctx.flag("rotate") ? (await ctx.sdk.RotateLogIngestToken({ app })).rotateLogIngestToken : (await ctx.sdk.LogIngest({ app })).logIngest;
    ctx.out.result(ingest, (i) =>
      ctx.out.line(
        ctx.flag("rotate") ? `Rotated ${app}'s log ingest token; the old one no longer works` : `${app} log ingest`,
        fields([
          ["Token", i.token],
          ["Syslog", i.host === null || i.port === null ? "this platform has no syslog receiver" : `${i.host}:${i.port} (UDP or TCP)`],
          ["RFC 5424", i.rfc5424Example],
          ["RFC 3164", i.rfc3164Example],
        ]),
      ),
    );
  },
};
