import type { Command, CommandContext } from "../context";
import { fields } from "../output";
import { UsageError } from "../errors";
import { fromStdin } from "./auth";

/** The password, asked for (hidden) at the terminal; scripts pipe it with --password-stdin. */
async function askPassword(ctx: CommandContext): Promise<string> {
  if (!ctx.io.prompt) throw new UsageError("--password-stdin is required when there is no terminal to ask on", ctx.command.name);
  return ctx.io.prompt("password: ", { secret: true });
}

/** The app's router rules: maintenance, allow-list, basic auth username. */
async function showAccess(ctx: CommandContext, app: string) {
  const { app: found } = await ctx.sdk.AppAccess({ app });
  return found;
}

export const accessCommands: Command[] = [
  {
    name: "maintenance",
    aliases: ["maintenance:info"],
    topic: "maintenance",
    usage: "",
    description: "say whether the app is in maintenance mode",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const found = await showAccess(ctx, app);
      ctx.out.result({ app, maintenance: found.maintenance }, () => ctx.out.line(`${app} is ${found.maintenance ? "in" : "not in"} maintenance mode`));
    },
  },
  {
    name: "maintenance:on",
    topic: "maintenance",
    usage: "",
    description: "the router answers 503 with a maintenance page; processes keep running, one-offs still work; no release",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { setMaintenance } = await ctx.sdk.SetMaintenance({ app, on: true });
      ctx.out.result(setMaintenance, () => ctx.out.line(`Maintenance mode on for ${app}`));
    },
  },
  {
    name: "maintenance:off",
    topic: "maintenance",
    usage: "",
    description: "the router sends requests to the app again",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { setMaintenance } = await ctx.sdk.SetMaintenance({ app, on: false });
      ctx.out.result(setMaintenance, () => ctx.out.line(`Maintenance mode off for ${app}`));
    },
  },
  {
    name: "access",
    aliases: ["access:info"],
    topic: "access",
    usage: "",
    description: "show the app's access rules at the router: allowed addresses and basic auth",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const found = await showAccess(ctx, app);
      ctx.out.result(found, () =>
        ctx.out.line(
          ctx.out.heading(`${app} Access`),
          fields([
            ["allowed", found.allowList.length === 0 ? "every address" : found.allowList.join(" ")],
            ["basic auth", found.basicAuthUsername ?? "off"],
            ["maintenance", found.maintenance ? "on" : "off"],
          ]),
        ),
      );
    },
  },
  {
    name: "access:allow",
    topic: "access",
    usage: "CIDR...",
    description: "let only these client addresses (IPv4/IPv6 CIDRs) through the router; replaces the list",
    examples: ["deis access:allow 10.0.0.0/8 ::1/128", "deis access:allow 203.0.113.7"],
    app: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const { setAllowList } = await ctx.sdk.SetAllowList({ app, cidrs: [...ctx.args] });
      ctx.out.result(setAllowList, (a) => ctx.out.line(`${app} now allows ${a.allowList.join(" ")}`));
    },
  },
  {
    name: "access:clear",
    topic: "access",
    usage: "",
    description: "let every client address through the router again",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { setAllowList } = await ctx.sdk.SetAllowList({ app, cidrs: [] });
      ctx.out.result(setAllowList, () => ctx.out.line(`${app} allows every address`));
    },
  },
  {
    name: "auth:basic",
    topic: "access",
    usage: "USER [--password-stdin]",
    description: "the router asks for this username and a password (HTTP basic auth); the password is stored hashed",
    examples: ["deis auth:basic alice", "deis auth:basic alice --password-stdin < password.txt"],
    options: [{ name: "password-stdin", description: "read the password from stdin (nothing on the command line or in the shell history)" }],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const password = ctx.flag("password-stdin") ? await fromStdin(ctx, "--password-stdin", "the password") : await askPassword(ctx);
      const { setBasicAuth } = await ctx.sdk.SetBasicAuth({ app, username: ctx.args[0], password });
      ctx.out.result(setBasicAuth, (a) => ctx.out.line(`${app} now asks for ${a.basicAuthUsername}'s password`));
    },
  },
  {
    name: "auth:basic:off",
    topic: "access",
    usage: "",
    description: "the router no longer asks for a username and password",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { removeBasicAuth } = await ctx.sdk.RemoveBasicAuth({ app });
      ctx.out.result(removeBasicAuth, () => ctx.out.line(`${app} no longer asks for a password`));
    },
  },
];
