import type { Command } from "../context";
import { UsageError } from "../errors";
import { time } from "../output";

const countOption = { name: "num", short: "n", value: "N", description: "how many to show, newest first (default 20, at most 100)" };

/** The audit trail (who changed what, from where) and deploy hooks (URLs called when a release is deployed or fails). */
export const auditHooksCommands: Command[] = [
  {
    name: "audit",
    topic: "audit",
    usage: "[--platform] [-n N]",
    description: "show who changed what on the app, when, from where and how it ended (--platform: everything, admins only)",
    examples: ["deis audit -a shop", "deis audit --platform -n 100 --json"],
    options: [{ name: "platform", description: "the whole platform's trail (admins only)" }, countOption],
    app: true,
    async run(ctx) {
      const platform = ctx.flag("platform");
      if (platform && ctx.string("app")) throw new UsageError("give either -a APP or --platform, not both", ctx.command.name);
      const app = platform ? null : await ctx.app();
      const { audit } = await ctx.sdk.Audit({ ...(app ? { app } : {}), first: ctx.int("num", 20, 1, 100) });
      ctx.out.result(audit.nodes, (nodes) => {
        if (nodes.length === 0) return ctx.out.line("nothing recorded yet");
        ctx.out.line(
          ctx.out.heading(app ? `${app} Audit` : "Platform Audit"),
          ctx.out.table(
            ["time", "user", "address", "outcome", ...(app ? [] : ["app"]), "what"],
            nodes.map((e) => [time(e.at), e.username, e.address, e.outcome === "ok" ? "ok" : ctx.out.paint("red", e.outcome), ...(app ? [] : [e.app]), e.summary]),
          ),
        );
      });
    },
  },
  {
    name: "hooks",
    aliases: ["hooks:list"],
    topic: "hooks",
    usage: "",
    description: "list the app's deploy hooks (URLs called when a release is deployed or fails)",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { hooks } = await ctx.sdk.Hooks({ app });
      ctx.out.result(hooks, (list) =>
        ctx.out.line(ctx.out.heading(`${app} Hooks`), list.length === 0 ? "no hooks; add one with deis hooks:add https://host/path" : ctx.out.table(["id", "url", "added"], list.map((h) => [h.id, h.url, time(h.createdAt)]))),
      );
    },
  },
  {
    name: "hooks:add",
    topic: "hooks",
    usage: "URL",
    description: "POST a signed JSON message to URL whenever a release of the app is deployed or fails; prints the signing secret once",
    examples: ["deis hooks:add https://ci.example.com/deis-hook"],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const { addHook } = await ctx.sdk.AddHook({ app, url: ctx.args[0] });
      ctx.out.result(addHook, (added) =>
        ctx.out.line(
          `Added hook ${added.hook.id} to ${app}: ${added.hook.url}`,
          `Secret: ${added.secret}`,
          "Keep the secret: it is shown only now. Each delivery carries X-Deis-Signature: sha256=HMAC-SHA256(secret, \"<X-Deis-Timestamp>.<body>\").",
        ),
      );
    },
  },
  {
    name: "hooks:remove",
    topic: "hooks",
    usage: "ID",
    description: "remove a deploy hook (its id is in deis hooks)",
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      await ctx.sdk.RemoveHook({ app, hook: ctx.args[0] });
      ctx.out.result({ removed: ctx.args[0] }, () => ctx.out.line(`Removed hook ${ctx.args[0]} from ${app}`));
    },
  },
  {
    name: "hooks:deliveries",
    topic: "hooks",
    usage: "ID [-n N]",
    description: "list a hook's deliveries, newest first, with their status and attempts",
    options: [countOption],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const { hookDeliveries } = await ctx.sdk.HookDeliveries({ app, hook: ctx.args[0], first: ctx.int("num", 20, 1, 100) });
      ctx.out.result(hookDeliveries, (list) => {
        if (list.length === 0) return ctx.out.line("no deliveries yet: they are made when a release is deployed or fails");
        ctx.out.line(
          ctx.out.heading(`${app} Hook ${ctx.args[0]}`),
          ctx.out.table(
            ["created", "event", "release", "status", "attempts", "last answer", "next try"],
            list.map((d) => {
              const last = d.attempts[d.attempts.length - 1];
              return [time(d.createdAt), d.event, `v${d.version}`, d.status.toLowerCase(), d.attempts.length, last ? (last.error ?? String(last.statusCode)) : "-", time(d.nextAttemptAt)];
            }),
          ),
        );
      });
    },
  },
];
