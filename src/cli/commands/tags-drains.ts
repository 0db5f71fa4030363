import { parsePairs } from "../args";
import type { Command } from "../context";
import { time } from "../output";
import { reportRelease } from "./config";

/** Tags (placement constraints, a new release each) and log drains (copies of the app's log lines to syslog). */
export const tagsDrainsCommands: Command[] = [
  {
    name: "tags",
    aliases: ["tags:list"],
    topic: "tags",
    usage: "",
    description: "show the app's tags (which hosts its processes may run on)",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { tags } = (await ctx.sdk.Config({ app })).config;
      ctx.out.result(Object.fromEntries(tags.map((t) => [t.key, t.value])), () =>
        ctx.out.line(ctx.out.heading(`${app} Tags`), tags.length === 0 ? "no tags; set one with deis tags:set KEY=value" : ctx.out.table(["key", "value"], tags.map((t) => [t.key, t.value]))),
      );
    },
  },
  {
    name: "tags:set",
    topic: "tags",
    usage: "KEY=value...",
    description: "set tags in one new release: processes run only on hosts with these labels",
    examples: ["deis tags:set environ=prod", "deis tags:set disk=ssd region=eu"],
    app: true,
    deploys: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const tags = parsePairs(ctx.args, "KEY=value", ctx.command.name);
      const { setTags } = await ctx.sdk.SetTags({ app, tags });
      await reportRelease(ctx, app, setTags);
    },
  },
  {
    name: "tags:unset",
    topic: "tags",
    usage: "KEY...",
    description: "remove tags in one new release",
    examples: ["deis tags:unset environ"],
    app: true,
    deploys: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const { setTags } = await ctx.sdk.SetTags({ app, tags: ctx.args.map((key) => ({ key, value: null })) });
      await reportRelease(ctx, app, setTags);
    },
  },
  {
    name: "drains",
    aliases: ["drains:list"],
    topic: "drains",
    usage: "",
    description: "list the app's log drains (where copies of its log lines go)",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { logDrains } = await ctx.sdk.LogDrains({ app });
      ctx.out.result(logDrains, (drains) =>
        ctx.out.line(ctx.out.heading(`${app} Drains`), drains.length === 0 ? "no drains; add one with deis drains:add syslog://host:port" : ctx.out.table(["url", "added"], drains.map((d) => [d.url, time(d.createdAt)]))),
      );
    },
  },
  {
    name: "drains:add",
    topic: "drains",
    usage: "URL",
    description: "send a copy of the app's log lines to syslog://host:port (UDP) or syslog+tcp://host:port",
    examples: ["deis drains:add syslog+tcp://logs.example.com:514"],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const { addLogDrain } = await ctx.sdk.AddLogDrain({ app, url: ctx.args[0] });
      ctx.out.result(addLogDrain, (d) => ctx.out.line(`Added drain ${d.url} to ${app}`));
    },
  },
  {
    name: "drains:remove",
    topic: "drains",
    usage: "URL",
    description: "stop sending the app's log lines to a drain",
    examples: ["deis drains:remove syslog+tcp://logs.example.com:514"],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      await ctx.sdk.RemoveLogDrain({ app, url: ctx.args[0] });
      ctx.out.result({ removed: ctx.args[0] }, () => ctx.out.line(`Removed drain ${ctx.args[0]} from ${app}`));
    },
  },
];
