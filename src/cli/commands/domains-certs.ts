import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command, CommandContext } from "../context";
import { CliError } from "../errors";
import { fields, time } from "../output";
import { allPages } from "../pages";

function readPem(ctx: CommandContext, given: string, what: string): string {
  const path = resolve(ctx.io.cwd, given);
  if (!existsSync(path)) throw new CliError(`${given} does not exist`, `Give the path of the PEM ${what}.`);
  return readFileSync(path, "utf8");
}

export const domainsCertsCommands: Command[] = [
  {
    name: "domains",
    aliases: ["domains:list"],
    topic: "domains",
    usage: "",
    description: "list the app's custom domains",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const domains = await allPages(async (first, after) => (await ctx.sdk.Domains({ app, first, after })).domains);
      ctx.out.result(domains, () =>
        ctx.out.line(ctx.out.heading(`${app} Domains`), domains.length === 0 ? "no custom domains; add one with deis domains:add <domain>" : ctx.out.table(["domain", "added"], domains.map((d) => [d.domain, time(d.createdAt)]))),
      );
    },
  },
  {
    name: "domains:add",
    topic: "domains",
    usage: "DOMAIN",
    description: "route a domain (or *.domain) to the app; point its DNS at the router",
    examples: ["deis domains:add shop.example.com", "deis domains:add '*.shop.example.com'"],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const { addDomain } = await ctx.sdk.AddDomain({ app, domain: ctx.args[0] });
      ctx.out.result(addDomain, (d) => ctx.out.line(`Added ${d.domain} to ${app}`));
    },
  },
  {
    name: "domains:remove",
    topic: "domains",
    usage: "DOMAIN",
    description: "stop routing a domain to the app",
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      await ctx.sdk.RemoveDomain({ app, domain: ctx.args[0] });
      ctx.out.result({ removed: ctx.args[0] }, () => ctx.out.line(`Removed ${ctx.args[0]} from ${app}`));
    },
  },
  {
    name: "certs",
    aliases: ["certs:list"],
    topic: "certs",
    usage: "",
    description: "list the app's TLS certificates",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const certs = await allPages(async (first, after) => (await ctx.sdk.Certificates({ app, first, after })).certificates);
      ctx.out.result(certs, () =>
        ctx.out.line(
          ctx.out.heading(`${app} Certificates`),
          certs.length === 0 ? "no certificates; add one with deis certs:add <name> <cert.pem> <key.pem>" : ctx.out.table(["name", "common name", "domains", "expires"], certs.map((c) => [c.name, c.commonName, c.sans.join(","), time(c.expiresAt)])),
        ),
      );
    },
  },
  {
    name: "certs:add",
    topic: "certs",
    usage: "NAME CERT.PEM KEY.PEM",
    description: "add a PEM certificate and its key; the router serves it on the app's domains it covers",
    examples: ["deis certs:add shop shop.crt shop.key"],
    app: true,
    args: { min: 3, max: 3 },
    async run(ctx) {
      const app = await ctx.app();
      const [name, certPath, keyPath] = ctx.args;
      const certificate = readPem(ctx, certPath, "certificate");
      const key = readPem(ctx, keyPath, "private key");
      const { addCertificate } = await ctx.sdk.AddCertificate({ app, name, certificate, key });
      ctx.out.result(addCertificate, (c) =>
        ctx.out.line(`Added certificate ${c.name} to ${app}`, fields([["Common name", c.commonName], ["Domains", c.sans.join(", ")], ["Expires", time(c.expiresAt)], ["Fingerprint", c.fingerprint]])),
      );
    },
  },
  {
    name: "certs:remove",
    topic: "certs",
    usage: "NAME",
    description: "remove a certificate from the app",
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      await ctx.sdk.RemoveCertificate({ app, name: ctx.args[0] });
      ctx.out.result({ removed: ctx.args[0] }, () => ctx.out.line(`Removed certificate ${ctx.args[0]} from ${app}`));
    },
  },
];
