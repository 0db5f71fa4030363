import type { OptionSpec } from "./args";
import type { Command } from "./context";

/** The help topics in the order `deis help` lists them, each with its one-line description. */
export const TOPICS: readonly (readonly [string, string])[] = [
  ["auth", "register, log in and out, change your password, cancel your account"],
  ["keys", "manage the SSH keys that let you git push"],
  ["apps", "create, list, inspect, open, rename, transfer and destroy apps; set git remotes"],
  ["config", "manage an app's config values (its environment), .env pull and push"],
  ["builds", "list builds, or deploy a prebuilt Docker image"],
  ["releases", "list and inspect releases, roll back to an earlier one"],
  ["ps", "list, scale and restart processes; run one-off commands"],
  ["logs", "show an app's logs, recent and live"],
  ["domains", "route custom domains to an app"],
  ["certs", "manage an app's TLS certificates"],
  ["maintenance", "turn an app's maintenance page at the router on and off"],
  ["access", "allow-list client addresses and ask for a password (basic auth) at the router"],
  ["perms", "manage an app's collaborators and the platform's admins"],
  ["limits", "set memory and cpu limits per process type"],
  ["healthchecks", "set how each process type is checked for health"],
  ["tags", "set tags: which hosts an app's processes may run on"],
  ["drains", "send copies of an app's log lines to a syslog server"],
  ["cron", "run one-off commands on a schedule (cron syntax, UTC)"],
  ["volumes", "mount persistent volumes into an app's processes"],
  ["users", "list every account (admins only)"],
  ["platform", "see whether the platform's database, cache and discovery answer"],
  ["audit", "show who changed what, when and from where"],
  ["hooks", "call a URL when a release is deployed or fails"],
];

/** The flags every command takes besides its own. */
export function globalOptions(command: Command): OptionSpec[] {
  return [
    ...(command.app ? [{ name: "app", short: "a", value: "APP", description: "the app (default: the one the git remote 'deis' here points at)" }] : []),
    ...(command.app && !command.options?.some((o) => o.name === "remote")
      ? [{ name: "remote", short: "r", value: "REMOTE", description: "take the app from this git remote (default deis), e.g. -r staging" }]
      : []),
    ...(command.deploys ? [{ name: "no-wait", description: "return once the release is made, without waiting for its deploy" }] : []),
    { name: "json", description: "print the result as JSON, for scripts" },
    { name: "help", short: "h", description: "show this help" },
  ];
}

function columns(rows: readonly (readonly [string, string])[], indent = "  "): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}${right}`.trimEnd());
}

/** `deis --help`: what the CLI is, the topics, how to start. */
export function mainHelp(version: string): string {
  return [
    "The Deis-TS command-line client: deploy and manage apps on a Deis-TS platform.",
    "",
    "VERSION",
    `  deis/${version} node/${process.versions.node}`,
    "",
    "USAGE",
    "  $ deis COMMAND [ARGS] [-a APP] [--json]",
    "",
    "TOPICS",
    ...columns(TOPICS),
    "",
    "GETTING STARTED",
    ...columns([
      ["$ deis register http://127.0.0.1:8000", "create an account (or deis login)"],
      ["$ deis keys:add", "add your SSH key (~/.ssh/id_ed25519.pub)"],
      ["$ deis create", "create an app and the git remote 'deis'"],
      ["$ git push deis main", "build and deploy it"],
      ["$ deis open", "see it"],
    ]),
    "",
    "Run deis help TOPIC for a topic's commands (deis help config), and",
    "deis help COMMAND for a command's usage and examples (deis help config:set).",
    "Settings live in ~/.deis/client.json; DEIS_URL and DEIS_TOKEN override them.",
  ].join("\n");
}

/** `deis help config`: the topic's commands. */
export function topicHelp(topic: string, commands: readonly Command[]): string {
  const description = TOPICS.find(([name]) => name === topic)?.[1] ?? "";
  return [
    description,
    "",
    "USAGE",
    `  $ deis ${topic}:COMMAND`,
    "",
    "COMMANDS",
    ...columns(commands.map((c) => [c.name, c.description])),
    "",
    `Run deis help COMMAND for usage and examples, e.g. deis help ${commands[commands.length - 1].name}.`,
  ].join("\n");
}

/** The one-line usage of a command, as errors show it. */
export function usageLine(command: Command): string {
  const extra = [command.app ? "[-a APP]" : "", command.deploys ? "[--no-wait]" : "", "[--json]"].filter(Boolean).join(" ");
  return `deis ${command.name}${command.usage ? ` ${command.usage}` : ""} ${extra}`;
}

function flagLabel(option: OptionSpec): string {
  const long = `--${option.name}${option.value ? `=${option.value}` : ""}`;
  return option.short ? `-${option.short}, ${long}` : `    ${long}`;
}

/** `deis help config:set`: description, usage, flags, aliases and examples. */
export function commandHelp(command: Command): string {
  const options = [...(command.options ?? []), ...globalOptions(command)];
  return [
    command.description,
    "",
    "USAGE",
    `  $ ${usageLine(command)}`,
    "",
    "FLAGS",
    ...columns(options.map((o) => [flagLabel(o), o.description])),
    ...(command.aliases?.length ? ["", "ALIASES", ...command.aliases.map((a) => `  $ deis ${a}`)] : []),
    ...(command.examples?.length ? ["", "EXAMPLES", ...command.examples.map((e) => `  $ ${e}`)] : []),
  ].join("\n");
}

/**
 * Help text wrapped to `width` columns: a long line breaks between words, its continuation lines
 * indented under the column it belongs to (a command's description, a flag's meaning).
 */
export function wrapHelp(text: string, width: number): string {
  return text
    .split("\n")
    .flatMap((line) => {
      if (line.length <= width) return [line];
      const column = /^(\s*\S.*?\S? {2,})(?=\S)/.exec(line);
      const leading = /^\s*/.exec(line)![0].length;
      const hang = column && column[1].length <= width * 0.6 ? column[1].length : leading + 2;
      const out: string[] = [];
      let rest = line;
      while (rest.length > width) {
        const cut = rest.lastIndexOf(" ", width);
        if (cut <= hang) break; // one word longer than the room: leave it long rather than break it
        out.push(rest.slice(0, cut).trimEnd());
        rest = " ".repeat(hang) + rest.slice(cut + 1).trimStart();
      }
      out.push(rest);
      return out;
    })
    .join("\n");
}
