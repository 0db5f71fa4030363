import type { LimitInput } from "../../sdk/client";
import { parsePairs } from "../args";
import type { Command } from "../context";
import { reportRelease } from "./config";

const typeOption = { name: "type", value: "TYPE", description: "the process type (default web)" };

export const limitsHealthchecksCommands: Command[] = [
  {
    name: "limits",
    aliases: ["limits:list"],
    topic: "limits",
    usage: "",
    description: "show the memory and cpu limits of each process type",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { limits } = (await ctx.sdk.Config({ app })).config;
      ctx.out.result(limits, () =>
        ctx.out.line(ctx.out.heading(`${app} Limits`), limits.length === 0 ? "unlimited" : ctx.out.table(["type", "memory", "cpu"], limits.map((l) => [l.type, l.memory ?? "unlimited", l.cpu ?? "unlimited"]))),
      );
    },
  },
  {
    name: "limits:set",
    topic: "limits",
    usage: "[TYPE=MEMORY...] [--cpu TYPE=CPU]... [--memory TYPE=MEMORY]...",
    description: "limit memory (like 512M, 1G) and cpu (like 500m, 2) per process type, in one new release",
    examples: ["deis limits:set web=512M", "deis limits:set web=512M worker=1G --cpu web=500m", "deis limits:set --cpu worker=2"],
    options: [
      { name: "cpu", value: "TYPE=CPU", multiple: true, description: "a cpu limit: 500m is half a core, 2 is two cores" },
      { name: "memory", value: "TYPE=MEMORY", multiple: true, description: "a memory limit (the same as a bare TYPE=MEMORY)" },
    ],
    app: true,
    deploys: true,
    args: { min: 0 },
    async run(ctx) {
      const app = await ctx.app();
      const limits = (args: string[]): LimitInput[] => parsePairs(args, "TYPE=LIMIT like web=512M", ctx.command.name).map(({ key, value }) => ({ type: key, value }));
      const memory = limits([...ctx.args, ...ctx.list("memory")]);
      const cpu = limits(ctx.list("cpu"));
      const { setLimits } = await ctx.sdk.SetLimits({ app, memory, cpu });
      await reportRelease(ctx, app, setLimits);
    },
  },
  {
    name: "limits:unset",
    topic: "limits",
    usage: "TYPE... [--memory] [--cpu]",
    description: "remove memory limits (or with --cpu, cpu limits) of process types, in one new release",
    examples: ["deis limits:unset web", "deis limits:unset web worker --cpu", "deis limits:unset web --memory --cpu"],
    options: [
      { name: "cpu", description: "remove the cpu limit" },
      { name: "memory", description: "remove the memory limit (the default without --cpu)" },
    ],
    app: true,
    deploys: true,
    args: { min: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const unset = ctx.args.map((type) => ({ type, value: null }));
      const cpu = ctx.flag("cpu");
      const memory = ctx.flag("memory") || !cpu;
      const { setLimits } = await ctx.sdk.SetLimits({ app, memory: memory ? unset : [], cpu: cpu ? unset : [] });
      await reportRelease(ctx, app, setLimits);
    },
  },
  {
    name: "healthchecks",
    aliases: ["healthchecks:list"],
    topic: "healthchecks",
    usage: "",
    description: "show how each process type is checked for health",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { healthchecks } = (await ctx.sdk.Config({ app })).config;
      ctx.out.result(healthchecks, () =>
        ctx.out.line(
          ctx.out.heading(`${app} Healthchecks`),
          healthchecks.length === 0
            ? "none set: each process is checked with a TCP connect to its PORT"
            : ctx.out.table(
                ["type", "check", "delay", "timeout", "period", "threshold"],
                healthchecks.map((h) => [h.type, h.path ? `GET ${h.path}` : "TCP connect", `${h.initialDelaySeconds}s`, `${h.timeoutSeconds}s`, `${h.periodSeconds}s`, h.failureThreshold]),
              ),
        ),
      );
    },
  },
  {
    name: "healthchecks:set",
    topic: "healthchecks",
    usage: "[--type TYPE] [--path PATH] [--delay S] [--timeout S] [--period S] [--threshold N]",
    description: "check a process type with GET PATH (2xx/3xx), or a TCP connect without --path",
    examples: ["deis healthchecks:set --path /health", "deis healthchecks:set --type worker", "deis healthchecks:set --path /up --delay 5 --period 2 --threshold 10"],
    options: [
      typeOption,
      { name: "path", value: "PATH", description: "GET this path; without it, a TCP connect to PORT" },
      { name: "delay", value: "SECONDS", description: "wait before the first check (default 0)" },
      { name: "timeout", value: "SECONDS", description: "how long one check may take (default 5)" },
      { name: "period", value: "SECONDS", description: "time between checks (default 2)" },
      { name: "threshold", value: "N", description: "failed checks before the process counts as unhealthy (default 30)" },
    ],
    app: true,
    deploys: true,
    async run(ctx) {
      const app = await ctx.app();
      const number = (name: string) => ctx.int(name, undefined, 0, 3600);
      const healthcheck = {
        path: ctx.string("path") ?? null,
        initialDelaySeconds: number("delay"),
        timeoutSeconds: number("timeout"),
        periodSeconds: number("period"),
        failureThreshold: number("threshold"),
      };
      const { setHealthcheck } = await ctx.sdk.SetHealthcheck({ app, type: ctx.string("type") ?? "web", healthcheck });
      await reportRelease(ctx, app, setHealthcheck);
    },
  },
  {
    name: "healthchecks:unset",
    topic: "healthchecks",
    usage: "[--type TYPE]",
    description: "remove a process type's healthcheck (back to a TCP connect)",
    options: [typeOption],
    app: true,
    deploys: true,
    async run(ctx) {
      const app = await ctx.app();
      const { unsetHealthcheck } = await ctx.sdk.UnsetHealthcheck({ app, type: ctx.string("type") ?? "web" });
      await reportRelease(ctx, app, unsetHealthcheck);
    },
  },
];
