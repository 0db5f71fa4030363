import { spawn } from "node:child_process";
import type { AppFieldsFragment } from "../../sdk/client";
import type { Command, CommandContext } from "../context";
import { CliError } from "../errors";
import { GIT_REMOTE as DEFAULT_REMOTE, resolveApp } from "../app-resolver";
import { appFromRemote, insideWorkTree, remoteUrl, remotes, removeRemote, setRemote } from "../git";
import { fields, time } from "../output";
import { allPages } from "../pages";
import { awaitScale } from "../deploys";
import { withProgress } from "../progress";

const remoteOption = { name: "remote", short: "r", value: "NAME", description: `the git remote's name (default ${DEFAULT_REMOTE})` };

/** Points the git remote at the app when in a work tree; says what it did (or null outside one). */
async function linkRemote(ctx: CommandContext, app: AppFieldsFragment, { withUrl = true } = {}): Promise<string | null> {
  if (!(await insideWorkTree(ctx.io))) return null;
  const name = ctx.string("remote") ?? DEFAULT_REMOTE;
  const before = await setRemote(ctx.io, name, app.gitRemote);
  // create prints the URL just above, so it says only which remote it added.
  if (before === null) return withUrl ? `Git remote ${name} added: ${app.gitRemote}` : `Git remote ${name} added`;
  if (before === app.gitRemote) return `Git remote ${name} already points at ${app.gitRemote}`;
  return `Git remote ${name} replaced: ${app.gitRemote} (it was ${before})`;
}

/** The host part of a git URL (ssh://git@host:port/app.git or git@host:app.git). */
function hostOf(url: string): string {
  const match = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?([^:/]+)/i.exec(url);
  return match ? match[1].toLowerCase() : url;
}

const sameHost = (a: string, b: string) => hostOf(a) === hostOf(b);

const release = (app: AppFieldsFragment) => (app.latestRelease ? `v${app.latestRelease.version}` : "-");

export const appsCommands: Command[] = [
  {
    name: "create",
    aliases: ["apps:create"],
    topic: "apps",
    usage: "[NAME] [--no-remote] [--remote NAME]",
    description: "create an app (a random name when none is given) and add its git remote here",
    examples: ["deis create", "deis create my-shop", "deis create my-shop --no-remote"],
    options: [{ name: "no-remote", description: "do not add a git remote" }, remoteOption],
    args: { max: 1 },
    async run(ctx) {
      const name = ctx.args[0];
      const { createApp: app } = await ctx.sdk.CreateApp(name ? { name } : {});
      const remote = ctx.flag("no-remote") ? null : await linkRemote(ctx, app, { withUrl: false });
      ctx.out.result(app, () => {
        ctx.out.line(`Created ${app.name}`, fields([["URL", app.url], ["Git remote", app.gitRemote]]));
        ctx.out.line(remote ?? `No git remote added (not in a git repository); in one, run deis git:remote -a ${app.name}`);
      });
      if (ctx.json && remote) ctx.out.note(remote);
    },
  },
  {
    name: "apps",
    aliases: ["apps:list"],
    topic: "apps",
    usage: "",
    description: "list the apps you own or collaborate on (every app, for an admin)",
    async run(ctx) {
      const apps = await allPages(async (first, after) => (await ctx.sdk.Apps({ first, after })).apps);
      ctx.out.result(apps, () => {
        if (apps.length === 0) return ctx.out.line("You have no apps; create one with deis create.");
        ctx.out.line(ctx.out.heading("Apps"), ctx.out.table(["name", "owner", "release", "url"], apps.map((a) => [a.name, a.owner.username, release(a), a.url])));
      });
    },
  },
  {
    name: "apps:info",
    aliases: ["info"],
    topic: "apps",
    usage: "",
    description: "show an app: owner, URL, git remote, release, processes and domains",
    app: true,
    async run(ctx) {
      const name = await ctx.app();
      const [{ app }, { processes }, { domains }] = await Promise.all([ctx.sdk.App({ name }), ctx.sdk.Processes({ app: name }), ctx.sdk.Domains({ app: name, first: 100 })]);
      ctx.out.result({ app, processes, domains: domains.nodes }, () => {
        const latest = app.latestRelease;
        ctx.out.line(
          ctx.out.heading(app.name),
          fields([
            ["Owner", app.owner.username],
            ["URL", app.url],
            ["Git remote", app.gitRemote],
            ["Release", latest ? `v${latest.version} ${latest.status.toLowerCase()}: ${latest.summary}` : null],
            ["Scale", app.structure.map((s) => `${s.type}=${s.count}`).join(" ")],
            ["Created", time(app.createdAt)],
          ]),
          "",
          ctx.out.heading(`${app.name} Processes`),
          processes.length === 0 ? "none" : ctx.out.table(["process", "state", "release", "started"], processes.map((p) => [`${p.type}.${p.num}`, p.state, `v${p.version}`, time(p.startedAt)])),
          "",
          ctx.out.heading(`${app.name} Domains`),
          domains.nodes.length === 0 ? "none" : domains.nodes.map((d) => d.domain).join("\n"),
        );
      });
    },
  },
  {
    name: "apps:destroy",
    aliases: ["destroy"],
    topic: "apps",
    usage: "[APP] --confirm APP",
    description: "destroy an app with its releases, config, domains and processes (owner only)",
    examples: ["deis apps:destroy --confirm my-shop", "deis apps:destroy my-shop --confirm my-shop"],
    options: [{ name: "confirm", value: "APP", description: "the app's name again, to confirm" }],
    app: true,
    args: { max: 1 },
    async run(ctx) {
      const app = ctx.args[0] ?? (await ctx.app());
      let confirm = ctx.string("confirm");
      if (confirm === undefined && ctx.io.prompt) confirm = await ctx.io.prompt(`This destroys ${app} and everything in it. Type ${app} to confirm: `);
      if (confirm !== app) {
        throw new CliError(
          confirm === undefined ? `destroying ${app} needs confirming` : `--confirm ${confirm} does not match the app ${app}`,
          `Run it again with --confirm ${app}.`,
        );
      }
      const { app: destroyed } = await ctx.sdk.App({ name: app });
      await ctx.sdk.DestroyApp({ name: app });
      // Only the remotes that point at this very app (its git URL); a remote of another app stays.
      const unlinked = (await remotes(ctx.io)).filter((r) => r.url === destroyed.gitRemote || (appFromRemote(r.url) === app && sameHost(r.url, destroyed.gitRemote)));
      for (const remote of unlinked) await removeRemote(ctx.io, remote.name);
      const names = unlinked.map((r) => r.name);
      ctx.out.result({ destroyed: app, removedRemotes: names }, () =>
        ctx.out.line(`Destroyed ${app}${names.length > 0 ? ` and removed the git remote${names.length > 1 ? "s" : ""} ${names.join(", ")}` : ""}`),
      );
    },
  },
  {
    name: "apps:transfer",
    topic: "apps",
    usage: "USERNAME",
    description: "give an app to another user (owner only)",
    examples: ["deis apps:transfer bob -a my-shop"],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const { transferApp } = await ctx.sdk.TransferApp({ name: await ctx.app(), to: ctx.args[0] });
      ctx.out.result(transferApp, (app) => ctx.out.line(`Transferred ${app.name} to ${app.owner.username}`));
    },
  },
  {
    name: "apps:rename",
    aliases: ["rename"],
    topic: "apps",
    usage: "NEWNAME",
    description: "rename an app and restart it under the new name (owner only)",
    examples: ["deis apps:rename my-store", "deis apps:rename my-store -a my-shop", "deis apps:rename my-store -r staging"],
    options: [{ name: "no-wait", description: "return once renamed, without waiting for its processes under the new name" }],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const from = await ctx.app();
      const { app: before } = await ctx.sdk.App({ name: from });
      const { renameApp: app } = await withProgress(ctx.io, `Renaming ${from} to ${ctx.args[0]}`, () => ctx.sdk.RenameApp({ app: from, name: ctx.args[0] }));
      // Only the remote that points at this very app is moved (as heroku apps:rename does).
      const remote = ctx.string("remote") ?? DEFAULT_REMOTE;
      const url = await remoteUrl(ctx.io, remote);
      const moved = url !== null && (url === before.gitRemote || (appFromRemote(url) === from && sameHost(url, before.gitRemote)));
      if (moved) await setRemote(ctx.io, remote, app.gitRemote);
      // What ran under the old name starts again under the new one; the progress line says when it runs.
      const counts = app.structure.filter((s) => s.count > 0);
      if (!ctx.noWait && counts.length > 0) await awaitScale(ctx, app.name, counts, `Starting ${app.name}`);
      // "Renaming ... done" on stderr already said what happened: stdout holds the new addresses.
      ctx.out.result({ app, renamedFrom: from, updatedRemote: moved ? remote : null }, () => {
        ctx.out.line(fields([["URL", app.url], ["Git remote", app.gitRemote]]));
        if (moved) ctx.out.line(`Git remote ${remote} updated`);
        ctx.out.line(`Other checkouts of the app need their remote updated: deis git:remote -a ${app.name}`);
      });
    },
  },
  {
    name: "apps:open",
    aliases: ["open"],
    topic: "apps",
    usage: "",
    description: "print the app's URL and open it in a browser (on a terminal)",
    app: true,
    async run(ctx) {
      const { app } = await ctx.sdk.App({ name: await ctx.app() });
      ctx.out.result({ url: app.url }, () => ctx.out.line(app.url));
      if (ctx.io.isTTY && !ctx.json) {
        const opener = spawn("xdg-open", [app.url], { detached: true, stdio: "ignore" });
        opener.on("error", () => undefined);
        opener.unref();
      }
    },
  },
  {
    name: "git:remote",
    topic: "apps",
    usage: "[--remote NAME]",
    description: "add (or update) the git remote for an app in this repository",
    examples: ["deis git:remote -a my-shop", "deis git:remote -a my-shop --remote staging"],
    options: [remoteOption],
    app: true,
    async run(ctx) {
      // -r names the remote to set here, so the app comes from -a or the remote deis.
      const { app } = await ctx.sdk.App({ name: await resolveApp(ctx.io, ctx.string("app"), undefined) });
      const done = await linkRemote(ctx, app);
      if (!done) throw new CliError(`${ctx.io.cwd} is not in a git repository`, "Run git init first, or cd into your app's repository.");
      ctx.out.result({ remote: ctx.string("remote") ?? DEFAULT_REMOTE, url: app.gitRemote }, () => ctx.out.line(done));
    },
  },
];
