import { DeisApiError } from "../../sdk/client";
import type { Command, CommandContext } from "../context";
import { CliError, UsageError } from "../errors";
import { controllerUrl } from "../settings";

/** An option's value, else asked at the terminal, else a usage error (scripts must pass it). */
export async function ask(ctx: CommandContext, option: string, question: string, secret = false): Promise<string> {
  const given = ctx.string(option);
  if (given !== undefined) return given;
  if (!ctx.io.prompt) throw new UsageError(`--${option} is required when there is no terminal to ask on`, ctx.command.name);
  return ctx.io.prompt(question, { secret });
}

/** One line read from stdin (a token or a password piped in), without its line end; a usage error when there is none. */
export async function fromStdin(ctx: CommandContext, flag: string, what: string): Promise<string> {
  if (!ctx.io.readStdin) throw new UsageError(`${flag} reads ${what} from stdin: pipe it in (echo ... | deis login ${flag})`, ctx.command.name);
  const value = (await ctx.io.readStdin()).replace(/\r?\n$/, "");
  if (value.length === 0 || value.includes("\n")) throw new UsageError(`${flag}: stdin must hold ${what} on one line`, ctx.command.name);
  return value;
}

/** The controller URL from the argument, DEIS_URL or the settings. */
function urlFor(ctx: CommandContext): string {
  const given = ctx.args[0];
  if (given) return controllerUrl(given);
  const known = ctx.settings.url;
  if (!known) throw new UsageError("give the controller's URL, e.g. http://127.0.0.1:8000", ctx.command.name);
  return known;
}

const credentials = [
  { name: "username", short: "u", value: "USERNAME", description: "your username (asked for when not given)" },
  { name: "password", short: "p", value: "PASSWORD", description: "your password (asked for, hidden, when not given)" },
] as const;

export const authCommands: Command[] = [
  {
    name: "register",
    aliases: ["auth:register"],
    topic: "auth",
    usage: "[URL] [--username USERNAME] [--password PASSWORD] [--email EMAIL]",
    description: "create an account on a platform and log in (the first account is an admin)",
    examples: ["deis register http://127.0.0.1:8000 --username alice --email alice@example.com"],
    options: [...credentials, { name: "email", value: "EMAIL", description: "your email address (optional)" }],
    args: { max: 1 },
    async run(ctx) {
      const url = urlFor(ctx);
      const username = await ask(ctx, "username", "username: ");
      const password = await ask(ctx, "password", "password: ", true);
      // An admin's token lets registration work on admin_only platforms; never send it to another platform.
      const sdk = ctx.connect(url, ctx.settings.url === url ? ctx.settings.token : null).sdk;
      const email = ctx.string("email");
      const { register } = await sdk.Register({ input: { username, password, ...(email ? { email } : {}) } });
      ctx.settings.update({ url, token: register.token, username: register.user.username });
      ctx.out.result(register, ({ user }) =>
        ctx.out.line(`Registered ${user.username}${user.isAdmin ? " (an admin: the first account on this platform)" : ""}`, `Logged in as ${user.username} at ${url}`),
      );
    },
  },
  {
    name: "login",
    aliases: ["auth:login"],
    topic: "auth",
    usage: "[URL] [-u USERNAME] [-p PASSWORD | --password-stdin | --with-token]",
    description: "log in to a platform; the token is kept in ~/.deis/client.json",
    examples: [
      "deis login http://127.0.0.1:8000",
      "deis login http://127.0.0.1:8000 -u alice --password-stdin < password.txt",
      "echo \"$DEIS_API_TOKEN\" | deis login http://127.0.0.1:8000 --with-token",
    ],
    options: [
      ...credentials,
      { name: "password-stdin", description: "read the password from stdin (for scripts: nothing on the command line or in the shell history)" },
      { name: "with-token", description: "read an API token from stdin (deis auth:token prints one) instead of logging in with a password" },
    ],
    args: { max: 1 },
    async run(ctx) {
      const url = urlFor(ctx);
      if (ctx.flag("with-token")) {
        const token = await fromStdin(ctx, "--with-token", "a token");
        const { viewer } = await ctx.connect(url, token).sdk.Viewer();
        ctx.settings.update({ url, token, username: viewer.username });
        return ctx.out.result({ user: viewer }, ({ user }) => ctx.out.line(`Logged in as ${user.username} at ${url}`));
      }
      const username = await ask(ctx, "username", "username: ");
      const password = ctx.flag("password-stdin") ? await fromStdin(ctx, "--password-stdin", "the password") : await ask(ctx, "password", "password: ", true);
      const { login } = await ctx.connect(url, null).sdk.Login({ username, password });
      ctx.settings.update({ url, token: login.token, username: login.user.username });
      ctx.out.result(login, ({ user }) => ctx.out.line(`Logged in as ${user.username} at ${url}`));
    },
  },
  {
    name: "auth:token",
    topic: "auth",
    usage: "",
    description: "print the API token this computer uses (for DEIS_TOKEN, or deis login --with-token elsewhere)",
    examples: ["deis auth:token", "DEIS_TOKEN=$(deis auth:token) ./deploy.sh"],
    async run(ctx) {
      const token = ctx.settings.token;
      if (!token) throw new CliError("you are not logged in", "Run deis login <url> first.");
      ctx.out.result({ token }, () => ctx.io.stdout.write(`${token}\n`));
    },
  },
  {
    name: "logout",
    aliases: ["auth:logout"],
    topic: "auth",
    usage: "",
    description: "revoke this computer's token and forget it",
    async run(ctx) {
      const stored = ctx.settings.read();
      if (stored.token && ctx.settings.url) {
        try {
          await ctx.connect(ctx.settings.url, stored.token).sdk.Logout();
        } catch (error) {
          // A token the platform no longer knows is as logged out as it gets.
          if (!(error instanceof DeisApiError && error.code === "UNAUTHENTICATED")) throw error;
        }
      }
      ctx.settings.update({ token: undefined, username: undefined });
      ctx.out.result({ loggedOut: true }, () => ctx.out.line("Logged out"));
      if (ctx.io.env.DEIS_TOKEN) ctx.out.note("Note: DEIS_TOKEN is set in your environment and is still used.");
    },
  },
  {
    name: "whoami",
    aliases: ["auth:whoami"],
    topic: "auth",
    usage: "",
    description: "show who you are logged in as, and where",
    async run(ctx) {
      const { viewer } = await ctx.sdk.Viewer();
      ctx.out.result(viewer, (user) => ctx.out.line(`You are ${user.username}${user.isAdmin ? " (admin)" : ""} at ${ctx.settings.url}`));
    },
  },
  {
    name: "auth:passwd",
    topic: "auth",
    usage: "[--password CURRENT] [--new-password NEW]",
    description: "change your password; your other tokens stop working",
    options: [
      { name: "password", short: "p", value: "CURRENT", description: "your current password (asked for when not given)" },
      { name: "new-password", value: "NEW", description: "the new password (asked for when not given)" },
    ],
    async run(ctx) {
      const password = await ask(ctx, "password", "current password: ", true);
      const newPassword = await ask(ctx, "new-password", "new password: ", true);
      await ctx.sdk.ChangePassword({ password, newPassword });
      ctx.out.result({ changed: true }, () => ctx.out.line("Password changed; tokens on your other computers no longer work."));
    },
  },
  {
    name: "auth:cancel",
    topic: "auth",
    usage: "[--username USERNAME] --confirm USERNAME",
    description: "delete your account (or, for an admin, someone else's); refused while it owns apps",
    examples: ["deis auth:cancel --confirm alice", "deis auth:cancel --username bob --confirm bob"],
    options: [
      { name: "username", short: "u", value: "USERNAME", description: "the account to delete (admins; default: yours)" },
      { name: "confirm", value: "USERNAME", description: "the account's username again, to confirm" },
    ],
    async run(ctx) {
      const self = (await ctx.sdk.Viewer()).viewer.username;
      const target = ctx.string("username") ?? self;
      let confirm = ctx.string("confirm");
      if (confirm === undefined && ctx.io.prompt) confirm = await ctx.io.prompt(`This deletes the account ${target}. Type ${target} to confirm: `);
      if (confirm !== target) {
        throw new CliError(
          confirm === undefined ? `deleting the account ${target} needs confirming` : `--confirm ${confirm} does not match the account ${target}`,
          `Run it again with --confirm ${target}.`,
        );
      }
      await ctx.sdk.CancelAccount(target === self ? {} : { username: target });
      if (target === self) ctx.settings.update({ token: undefined, username: undefined });
      ctx.out.result({ cancelled: target }, () => ctx.out.line(`Account ${target} deleted`));
    },
  },
  {
    name: "auth:regenerate",
    topic: "auth",
    usage: "[--username USERNAME]",
    description: "revoke every token of an account and make a new one (yours is saved)",
    examples: ["deis auth:regenerate", "deis auth:regenerate --username bob   # admins: prints bob's new token"],
    options: [{ name: "username", short: "u", value: "USERNAME", description: "whose tokens (admins; default: yours)" }],
    async run(ctx) {
      const username = ctx.string("username");
      const self = username === undefined || username === ctx.settings.username;
      const { regenerateToken: token } = await ctx.sdk.RegenerateToken(username === undefined ? {} : { username });
      if (self) ctx.settings.update({ token });
      ctx.out.result({ username: username ?? ctx.settings.username, token }, () =>
        ctx.out.line(self ? `Token regenerated and saved in ${ctx.settings.path}; your other tokens no longer work.` : `New token for ${username}: ${token}`),
      );
    },
  },
];
