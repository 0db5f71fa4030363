import type { Command } from "../context";
import { time } from "../output";
import { allPages } from "../pages";

export const usersCommands: Command[] = [
  {
    name: "users",
    aliases: ["users:list"],
    topic: "users",
    usage: "",
    description: "list every account on the platform (admins only)",
    async run(ctx) {
      const users = await allPages(async (first, after) => (await ctx.sdk.Users({ first, after })).users);
      ctx.out.result(users, () =>
        ctx.out.line(ctx.out.heading("Users"), ctx.out.table(["username", "email", "admin", "created"], users.map((u) => [u.username, u.email, u.isAdmin ? "yes" : "no", time(u.createdAt)]))),
      );
    },
  },
];
