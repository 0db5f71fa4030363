import type { Command } from "../context";

export const platformCommands: Command[] = [
  {
    name: "platform:status",
    aliases: ["platform"],
    topic: "platform",
    usage: "",
    description: "show whether the platform's database, cache and discovery answer, and what this controller leads; exits 1 when one is down",
    examples: ["deis platform:status", "deis platform:status --json"],
    async run(ctx) {
      const { platform } = await ctx.sdk.PlatformStatus();
      ctx.out.result(platform, (p) =>
        ctx.out.line(
          ctx.out.heading(`Platform ${p.domain} (version ${p.version})`),
          ctx.out.table(
            ["component", "backend", "status", "latency"],
            p.components.map((c) => [c.name, c.backend, c.detail, `${c.latencyMs} ms`]),
          ),
          `this controller leads: ${p.leads.length > 0 ? p.leads.join(", ") : "nothing"}`,
        ),
      );
      return platform.components.every((c) => c.healthy) ? 0 : 1;
    },
  },
];
