import type { Command, CommandContext } from "../context";
import { UsageError } from "../errors";
import { fields, time } from "../output";
import { reportRelease } from "./config";

/** "v5" or "5" as 5; a usage error otherwise. */
export function parseVersion(ctx: CommandContext, text: string): number {
  const match = /^v?(\d{1,9})$/i.exec(text);
  if (!match) throw new UsageError(`"${text}" is not a release version like v5`, ctx.command.name);
  return Number(match[1]);
}

/** `--procfile web="node server.js"` (or `web: node server.js`) as a Procfile line. */
function procfileLine(ctx: CommandContext, text: string): { type: string; command: string } {
  const match = /^([A-Za-z0-9_-]+)\s*[=:]\s*(.+)$/.exec(text);
  if (!match) throw new UsageError(`--procfile takes TYPE=COMMAND, e.g. web="node server.js", got "${text}"`, ctx.command.name);
  return { type: match[1], command: match[2] };
}

/** A release status in lower case, green, red or yellow on a terminal with colour. */
function paintStatus(ctx: CommandContext, status: string): string {
  const word = status.toLowerCase();
  return ctx.out.paint(status === "SUCCEEDED" ? "green" : status === "FAILED" ? "red" : status === "PENDING" ? "yellow" : "dim", word);
}

const countOption = (what: string) => ({ name: "num", short: "n", value: "N", description: `how many ${what} to show, newest first (default 20, at most 100)` });

export const buildsReleasesCommands: Command[] = [
  {
    name: "builds",
    aliases: ["builds:list"],
    topic: "builds",
    usage: "[-n N]",
    description: "list the app's builds (from git push or builds:create), newest first",
    options: [countOption("builds")],
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { builds } = await ctx.sdk.Builds({ app, first: ctx.int("num", 20, 1, 100) });
      ctx.out.result(builds.nodes, (nodes) => {
        if (nodes.length === 0) return ctx.out.line(`${app} has no builds yet: git push deis main, or deis builds:create <image>`);
        ctx.out.line(
          ctx.out.heading(`${app} Builds`),
          ctx.out.table(["created", "kind", "by", "sha", "image"], nodes.map((b) => [time(b.createdAt), b.kind.toLowerCase(), b.owner?.username, b.sha?.slice(0, 7), b.image])),
        );
      });
    },
  },
  {
    name: "builds:create",
    topic: "builds",
    usage: "IMAGE [--procfile TYPE=COMMAND]...",
    description: "deploy a prebuilt Docker image (with a tag) as a new build and release",
    examples: ['deis builds:create registry.example.com/shop:1.4 --procfile web="node server.js" --procfile worker="node worker.js"'],
    options: [{ name: "procfile", value: "TYPE=COMMAND", multiple: true, description: "a process type and its command; without one the image's CMD runs as cmd" }],
    app: true,
    deploys: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const procfile = ctx.list("procfile").map((line) => procfileLine(ctx, line));
      const { deployImage } = await ctx.sdk.DeployImage({ app, image: ctx.args[0], ...(procfile.length > 0 ? { procfile } : {}) });
      await reportRelease(ctx, app, deployImage);
    },
  },
  {
    name: "releases",
    aliases: ["releases:list"],
    topic: "releases",
    usage: "[-n N]",
    description: "list the app's releases, newest first",
    options: [countOption("releases")],
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { releases } = await ctx.sdk.Releases({ app, first: ctx.int("num", 20, 1, 100) });
      ctx.out.result(releases.nodes, (nodes) =>
        ctx.out.line(
          ctx.out.heading(`${app} Releases`),
          // The summary names who did it ("alice added FOO"), so there is no separate "by" column; the
          // summary is last, where the table cuts it to fit the terminal.
          ctx.out.table(["version", "status", "created", "summary"], nodes.map((r) => [`v${r.version}`, paintStatus(ctx, r.status), time(r.createdAt), r.summary])),
        ),
      );
    },
  },
  {
    name: "releases:info",
    topic: "releases",
    usage: "[vN]",
    description: "show a release (default the newest): status, build, config keys, why it failed",
    examples: ["deis releases:info", "deis releases:info v3"],
    app: true,
    args: { max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const version = ctx.args[0] ? parseVersion(ctx, ctx.args[0]) : (await ctx.sdk.Releases({ app, first: 1 })).releases.nodes[0].version;
      const { release } = await ctx.sdk.Release({ app, version });
      ctx.out.result(release, (r) =>
        ctx.out.line(
          ctx.out.heading(`${app} v${r.version}`),
          fields([
            ["Status", r.status.toLowerCase()],
            ["Summary", r.summary],
            ["By", r.owner?.username],
            ["Created", time(r.createdAt)],
            ...(r.failureReason ? [["Failure", r.failureReason] as const] : []),
            ["Build", r.build ? `${r.build.kind.toLowerCase()} ${r.build.image}` : "none (nothing deployed yet)"],
            ["Processes", r.build?.processTypes.map((p) => `${p.type}: ${p.command}`).join("; ")],
            ["Config", r.config.values.map((v) => v.key).join(", ")],
          ]),
        ),
      );
    },
  },
  {
    name: "rollback",
    aliases: ["releases:rollback"],
    topic: "releases",
    usage: "[vN]",
    description: "make a new release from an earlier one's build and config (default: the one before the newest)",
    examples: ["deis rollback", "deis rollback v3"],
    app: true,
    deploys: true,
    args: { max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const version = ctx.args[0] ? parseVersion(ctx, ctx.args[0]) : undefined;
      const { rollback } = await ctx.sdk.Rollback({ app, ...(version === undefined ? {} : { version }) });
      await reportRelease(ctx, app, rollback);
    },
  },
];
