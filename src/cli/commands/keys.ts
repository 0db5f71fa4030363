import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "../context";
import { CliError } from "../errors";
import { time } from "../output";
import { allPages } from "../pages";

const DEFAULT_KEYS = ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"];

/** The public key to add: the given path, else the first of ~/.ssh/id_{ed25519,ecdsa,rsa}.pub. */
function publicKeyPath(home: string, cwd: string, given: string | undefined): string {
  if (given) {
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new CliError(`${given} does not exist`, "Give the path of an SSH public key, e.g. ~/.ssh/id_ed25519.pub.");
    return path;
  }
  const found = DEFAULT_KEYS.map((name) => join(home, ".ssh", name)).find((path) => existsSync(path));
  if (!found) {
    throw new CliError(
      `no SSH public key in ${join(home, ".ssh")} (looked for ${DEFAULT_KEYS.join(", ")})`,
      "Make one with ssh-keygen -t ed25519, or give its path: deis keys:add <path>.",
    );
  }
  return found;
}

export const keysCommands: Command[] = [
  {
    name: "keys",
    aliases: ["keys:list"],
    topic: "keys",
    usage: "",
    description: "list your SSH keys (they let you git push)",
    async run(ctx) {
      const keys = await allPages(async (first, after) => (await ctx.sdk.Keys({ first, after })).keys);
      ctx.out.result(keys, () => {
        if (keys.length === 0) return ctx.out.line("You have no SSH keys; add one with deis keys:add.");
        ctx.out.line(ctx.out.heading(`${ctx.settings.username ?? "Your"} Keys`), ctx.out.table(["name", "type", "fingerprint", "added"], keys.map((k) => [k.name, k.type, k.fingerprint, time(k.createdAt)])));
      });
    },
  },
  {
    name: "keys:add",
    topic: "keys",
    usage: "[PATH] [--name NAME]",
    description: "add an SSH public key (default: ~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub)",
    examples: ["deis keys:add", "deis keys:add ~/.ssh/work.pub --name work-laptop"],
    options: [{ name: "name", value: "NAME", description: "a name for the key (default: its comment)" }],
    args: { max: 1 },
    async run(ctx) {
      const path = publicKeyPath(ctx.io.home, ctx.io.cwd, ctx.args[0]);
      const publicKey = readFileSync(path, "utf8").trim();
      if (publicKey.startsWith("-----BEGIN")) throw new CliError(`${path} is a private key`, "Give the public key: the same path ending in .pub.");
      const name = ctx.string("name");
      const { addKey } = await ctx.sdk.AddKey({ publicKey, ...(name ? { name } : {}) });
      ctx.out.result(addKey, (key) => ctx.out.line(`Added key ${key.name} (${key.fingerprint}) from ${path}`));
    },
  },
  {
    name: "keys:remove",
    topic: "keys",
    usage: "NAME|FINGERPRINT",
    description: "remove one of your SSH keys",
    examples: ["deis keys:remove alice@laptop", "deis keys:remove SHA256:abc..."],
    args: { min: 1, max: 1 },
    async run(ctx) {
      await ctx.sdk.RemoveKey({ key: ctx.args[0] });
      ctx.out.result({ removed: ctx.args[0] }, () => ctx.out.line(`Removed key ${ctx.args[0]}`));
    },
  },
];
