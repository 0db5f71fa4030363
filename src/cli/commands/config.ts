import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ReleaseFieldsFragment } from "../../sdk/client";
import { parsePairs } from "../args";
import type { Command, CommandContext } from "../context";
import { awaitDeploy, failIfFailed } from "../deploys";
import { formatDotenv, parseDotenv } from "../dotenv";
import { CliError } from "../errors";
import { shellQuote } from "./ps";

/** Waits for a release's deploy, prints it (JSON: the release), and fails the command if it failed. */
export async function reportRelease(ctx: CommandContext, app: string, made: ReleaseFieldsFragment): Promise<void> {
  const release = await awaitDeploy(ctx, app, made);
  ctx.out.result(release, (r) => {
    if (r.status === "FAILED") return;
    ctx.out.line(`${app} v${r.version}: ${r.summary}${r.status === "PENDING" ? " (deploying in the background)" : ""}`);
  });
  failIfFailed(app, release);
}

/** `KEY: value` lines with the values aligned, as heroku config prints them. */
function configLines(values: readonly { key: string; value: string }[]): string {
  const width = Math.max(0, ...values.map((v) => v.key.length)) + 1;
  return values.map(({ key, value }) => `${`${key}:`.padEnd(width)}  ${value}`).join("\n");
}

const pathOption = { name: "file", short: "f", value: "FILE", description: "the env file (default .env)" };
const envFile = (ctx: CommandContext) => resolve(ctx.io.cwd, ctx.string("file") ?? ".env");

export const configCommands: Command[] = [
  {
    name: "config",
    aliases: ["config:list"],
    topic: "config",
    usage: "[-s]",
    description: "show the app's config values (its environment); --json is {\"KEY\": \"value\"}",
    examples: ["deis config", "deis config --shell > .env    # KEY='value' lines", "deis config --json | jq -r .DATABASE_URL"],
    options: [{ name: "shell", short: "s", description: "print KEY='value' lines a shell (or .env) reads back exactly" }],
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { config } = await ctx.sdk.Config({ app });
      const values = config.values;
      if (ctx.flag("shell") && !ctx.json) {
        for (const { key, value } of values) ctx.io.stdout.write(`${key}=${shellQuote(value)}\n`);
        return;
      }
      ctx.out.result(Object.fromEntries(values.map((v) => [v.key, v.value])), () =>
        ctx.out.line(ctx.out.heading(`${app} Config`), values.length === 0 ? "no config values; set one with deis config:set KEY=value" : configLines(values)),
      );
    },
  },
  {
    name: "config:get",
    topic: "config",
    usage: "KEY",
    description: "print one config value as it is, for scripts; exit 1 when it is not set",
    examples: ["deis config:get DATABASE_URL", "deis config:get DATABASE_URL --shell   # DATABASE_URL='...'"],
    options: [{ name: "shell", short: "s", description: "print KEY='value' as a shell reads it" }],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const key = ctx.args[0];
      const { config } = await ctx.sdk.Config({ app });
      const found = config.values.find((v) => v.key === key);
      // Heroku prints an empty line for an unset key; a script then cannot tell unset from empty, so this says so and exits 1.
      if (!found) throw new CliError(`${key} is not set on ${app}`, `See the keys with deis config -a ${app}.`);
      if (ctx.json) return ctx.out.result({ [key]: found.value }, () => undefined);
      ctx.io.stdout.write(ctx.flag("shell") ? `${key}=${shellQuote(found.value)}\n` : `${found.value}\n`);
    },
  },
  {
    name: "config:set",
    topic: "config",
    usage: "KEY=value...",
    description: "set config values in one new release, and wait for it to deploy",
    examples: ["deis config:set GREETING=hello", "deis config:set DATABASE_URL=postgres://db/shop WORKERS=4 -a my-shop"],
    app: true,
    deploys: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const values = parsePairs(ctx.args, "KEY=value", ctx.command.name);
      const { setConfig } = await ctx.sdk.SetConfig({ app, values });
      await reportRelease(ctx, app, setConfig);
    },
  },
  {
    name: "config:unset",
    topic: "config",
    usage: "KEY...",
    description: "unset config values in one new release, and wait for it to deploy",
    examples: ["deis config:unset GREETING", "deis config:unset OLD_A OLD_B"],
    app: true,
    deploys: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const { setConfig } = await ctx.sdk.SetConfig({ app, values: ctx.args.map((key) => ({ key, value: null })) });
      await reportRelease(ctx, app, setConfig);
    },
  },
  {
    name: "config:pull",
    topic: "config",
    usage: "[--file FILE] [--overwrite]",
    description: "write the app's config values to .env (for running it locally)",
    examples: ["deis config:pull", "deis config:pull --file .env.production --overwrite"],
    options: [pathOption, { name: "overwrite", description: "replace the file when it exists" }],
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const path = envFile(ctx);
      if (existsSync(path) && !ctx.flag("overwrite")) throw new CliError(`${path} already exists`, "Run it again with --overwrite to replace it.");
      const { config } = await ctx.sdk.Config({ app });
      writeFileSync(path, formatDotenv(config.values), { mode: 0o600 });
      ctx.out.result({ file: path, keys: config.values.map((v) => v.key) }, () => ctx.out.line(`Wrote ${config.values.length} config values of ${app} to ${path}`));
    },
  },
  {
    name: "config:push",
    topic: "config",
    usage: "[--file FILE]",
    description: "set every value of .env on the app in one new release",
    examples: ["deis config:push", "deis config:push --file .env.production"],
    options: [pathOption],
    app: true,
    deploys: true,
    async run(ctx) {
      const app = await ctx.app();
      const path = envFile(ctx);
      if (!existsSync(path)) throw new CliError(`${path} does not exist`, "Write KEY=value lines in it, or get the app's with deis config:pull.");
      const values = parseDotenv(readFileSync(path, "utf8"), path);
      if (values.length === 0) throw new CliError(`${path} has no KEY=value lines`);
      const { setConfig } = await ctx.sdk.SetConfig({ app, values });
      await reportRelease(ctx, app, setConfig);
    },
  },
];
