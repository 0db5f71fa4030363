import { UsageError } from "./errors";

/** One flag a command takes: a boolean (`--admin`) or one with a value (`--app APP`). */
export interface OptionSpec {
  /** The long name without dashes, e.g. "app" for --app. */
  readonly name: string;
  /** A one-letter alias, e.g. "a" for -a. */
  readonly short?: string;
  /** The value's placeholder in help (e.g. "APP"); absent for a boolean flag. */
  readonly value?: string;
  /** May be given several times; the values are collected in order. */
  readonly multiple?: boolean;
  readonly description: string;
}

export type OptionValue = string | boolean | string[];

export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Readonly<Record<string, OptionValue | undefined>>;
}

/**
 * A small parser for `--name value`, `--name=value`, `-n value`, booleans (`-it` for `-i -t`) and `--`. With
 * `stopAtPositional`, everything from the first positional on is positional (for `run ls -la`).
 * Unknown flags and missing values are usage errors naming `command`.
 */
export function parseArgs(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  command: string,
  { stopAtPositional = false } = {},
): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const positionals: string[] = [];
  const options: Record<string, OptionValue> = {};
  const set = (spec: OptionSpec, value: string | boolean) => {
    if (spec.multiple && typeof value === "string") {
      options[spec.name] = [...((options[spec.name] as string[] | undefined) ?? []), value];
    } else {
      options[spec.name] = value;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (stopAtPositional) {
        positionals.push(...argv.slice(i));
        break;
      }
      positionals.push(arg);
      continue;
    }
    // Several one-letter flags together (`-it` for `-i -t`), when each of them takes no value.
    if (!arg.startsWith("--") && arg.length > 2 && !byShort.has(arg.slice(1)) && !arg.includes("=")) {
      const bundled = [...arg.slice(1)].map((letter) => byShort.get(letter));
      if (bundled.every((spec) => spec !== undefined && !spec.value)) {
        for (const spec of bundled) set(spec!, true);
        continue;
      }
    }
    const long = arg.startsWith("--");
    const [key, inline] = long ? splitOnce(arg.slice(2), "=") : [arg.slice(1), undefined];
    const spec = long ? byLong.get(key) : byShort.get(key);
    if (!spec) throw new UsageError(`unknown flag ${arg}`, command);
    const flag = long ? `--${spec.name}` : `-${spec.short}`;
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`, command);
      set(spec, true);
      continue;
    }
    if (inline !== undefined) {
      set(spec, inline);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith("-") && next !== "-" && !/^-\d/.test(next))) {
      throw new UsageError(`${flag} needs a value (${flag} ${spec.value})`, command);
    }
    set(spec, next);
    i++;
  }
  return { positionals, options };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** `KEY=value` pairs (config:set, ps:scale, limits:set); the value may contain '='. */
export function parsePairs(args: readonly string[], what: string, command: string): { key: string; value: string }[] {
  return args.map((arg) => {
    const at = arg.indexOf("=");
    if (at <= 0) throw new UsageError(`expected ${what}, got "${arg}"`, command);
    return { key: arg.slice(0, at), value: arg.slice(at + 1) };
  });
}

/** The closest known name to a mistyped one, when it is close enough to be a likely typo. */
export function suggest(input: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(input, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (best && best.distance <= Math.max(1, Math.floor(input.length / 3))) return best.name;
  return names.find((name) => name.startsWith(`${input}:`) || name.split(":")[1] === input);
}

/** Edits (insert, delete, replace, swap two neighbours) from a to b: optimal string alignment. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
