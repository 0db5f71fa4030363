import type { Command } from "../context";
import { time } from "../output";
import { allPages } from "../pages";

const adminOption = { name: "admin", description: "platform admins instead of an app's collaborators (admins only)" };

export const permsCommands: Command[] = [
  {
    name: "perms",
    aliases: ["perms:list"],
    topic: "perms",
    usage: "[--admin]",
    description: "list who may work on the app besides its owner, or with --admin the platform's admins",
    examples: ["deis perms -a my-shop", "deis perms --admin"],
    options: [adminOption],
    app: true,
    async run(ctx) {
      if (ctx.flag("admin")) {
        const admins = (await allPages(async (first, after) => (await ctx.sdk.Users({ first, after })).users)).filter((u) => u.isAdmin);
        return ctx.out.result(admins, () => ctx.out.line(ctx.out.heading("Administrators"), ...admins.map((u) => u.username)));
      }
      const app = await ctx.app();
      const collaborators = await allPages(async (first, after) => (await ctx.sdk.Collaborators({ app, first, after })).collaborators);
      ctx.out.result(collaborators, () =>
        ctx.out.line(
          ctx.out.heading(`${app} Collaborators`),
          collaborators.length === 0 ? "only the owner; add someone with deis perms:create <username>" : ctx.out.table(["username", "added"], collaborators.map((c) => [c.user.username, time(c.createdAt)])),
        ),
      );
    },
  },
  {
    name: "perms:create",
    topic: "perms",
    usage: "USERNAME [--admin]",
    description: "let a user work on the app (owner only), or with --admin make them a platform admin",
    examples: ["deis perms:create bob -a my-shop", "deis perms:create carol --admin"],
    options: [adminOption],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const username = ctx.args[0];
      if (ctx.flag("admin")) {
        const { grantAdmin } = await ctx.sdk.GrantAdmin({ username });
        return ctx.out.result(grantAdmin, (u) => ctx.out.line(`${u.username} is now an admin`));
      }
      const app = await ctx.app();
      const { addCollaborator } = await ctx.sdk.AddCollaborator({ app, username });
      ctx.out.result(addCollaborator, (c) => ctx.out.line(`Added ${c.user.username} to ${app}`));
    },
  },
  {
    name: "perms:delete",
    aliases: ["perms:remove"],
    topic: "perms",
    usage: "USERNAME [--admin]",
    description: "take a collaborator off the app (owner only), or with --admin take admin away",
    examples: ["deis perms:delete bob -a my-shop", "deis perms:delete carol --admin"],
    options: [adminOption],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const username = ctx.args[0];
      if (ctx.flag("admin")) {
        const { revokeAdmin } = await ctx.sdk.RevokeAdmin({ username });
        return ctx.out.result(revokeAdmin, (u) => ctx.out.line(`${u.username} is no longer an admin`));
      }
      const app = await ctx.app();
      await ctx.sdk.RemoveCollaborator({ app, username });
      ctx.out.result({ removed: username }, () => ctx.out.line(`Removed ${username} from ${app}`));
    },
  },
];
