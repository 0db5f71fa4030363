import { DomainError } from "../../core/errors";

/**
 * Reads a Dockerfile the way Docker's classic builder does (parser directives, the escape
 * character, line continuations, comments, global ARGs in FROM) and writes it again with every
 * image it names pinned to the image ID the platform checked. The engine then builds exactly what
 * was checked: no spelling, ARG or stage trick can make it use another image. Anything whose
 * meaning the platform cannot be sure of is refused, never passed on.
 */

/** The Dockerfile is one the platform will not build; the message names the line and the rule. */
export class DockerfileError extends DomainError {
  constructor(message: string) {
    super("BUILD_REFUSED", message, { field: "Dockerfile", rule: message });
    this.name = "DockerfileError";
  }
}

export interface Instruction {
  /** Upper case: FROM, COPY, RUN ... */
  readonly keyword: string;
  /** Leading `--name=value` words. */
  readonly flags: readonly string[];
  /** The rest of the instruction, continuation lines joined. */
  readonly args: string;
  /** The line it starts on (1-based), for errors. */
  readonly line: number;
}

export interface ParsedDockerfile {
  readonly escape: "\\" | "`";
  readonly instructions: readonly Instruction[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const FLAG_WORD = /^--[^\s]*/;
/**
 * A flag the platform passes on: plain ASCII with no quotes or escapes. Docker splits flag words
 * byte by byte (0x85 and 0xA0 count as spaces, and they occur inside UTF-8 letters), so anything
 * else could hide a second flag from this reader.
 */
const SAFE_FLAG = /^--[a-z][a-z0-9-]*(=[A-Za-z0-9._:/@+,=*~-]*)?$/;
const PLATFORM_FLAG = /^--platform=[A-Za-z0-9._/${}-]*$/;

function splitFlags(text: string, line: number): { flags: string[]; args: string } {
  const flags: string[] = [];
  let rest = text.trimStart();
  for (;;) {
    const match = FLAG_WORD.exec(rest);
    if (!match) break;
    flags.push(match[0]);
    rest = rest.slice(match[0].length).trimStart();
  }
  for (const flag of flags) {
    // --platform is dropped (the image is pinned by ID), so only it may use $ARGs.
    if (!SAFE_FLAG.test(flag) && !PLATFORM_FLAG.test(flag)) {
      throw new DockerfileError(`line ${line}: the flag ${flag} is not supported (flags are ASCII, without quotes, $ or escapes)`);
    }
  }
  return { flags, args: rest };
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let escape: "\\" | "`" = "\\";
  let index = 0;
  const seen = new Set<string>();
  for (; index < lines.length; index++) {
    const directive = DIRECTIVE.exec(lines[index]);
    if (!directive) break;
    const name = directive[1].toLowerCase();
    if (seen.has(name)) throw new DockerfileError(`line ${index + 1}: the ${name} directive appears twice`);
    seen.add(name);
    if (name === "escape") {
      if (directive[2] !== "\\" && directive[2] !== "`") throw new DockerfileError(`line ${index + 1}: escape must be \\ or \``);
      escape = directive[2];
    }
  }
  const instructions: Instruction[] = [];
  let pending = "";
  let start = 0;
  for (; index < lines.length; index++) {
    const line = lines[index].replace(/^\s+/, "");
    if (line.startsWith("#")) continue;
    // Blank lines end nothing: inside a continuation the builder skips them too.
    if (line.trim() === "") continue;
    if (pending === "") start = index + 1;
    const trimmed = line.replace(/\s+$/, "");
    if (trimmed.endsWith(escape)) {
      pending += trimmed.slice(0, -1);
      continue;
    }
    pending += line;
    instructions.push(instruction(pending, start));
    pending = "";
  }
  if (pending.trim() !== "") throw new DockerfileError(`line ${start}: the last instruction ends with a line continuation`);
  return { escape, instructions };
}

function instruction(text: string, line: number): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  if (!match) throw new DockerfileError(`line ${line}: an empty instruction`);
  const keyword = match[1].toUpperCase();
  if (!/^[A-Z]+$/.test(keyword)) throw new DockerfileError(`line ${line}: ${match[1]} is not an instruction`);
  return { keyword, line, ...splitFlags(match[2], line) };
}

/**
 * Expands `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`, quotes
 * and the escape character in one word, as the builder does for FROM.
 */
export function expandWord(word: string, vars: Readonly<Record<string, string | undefined>>, escape: string, line = 0): string {
  let out = "";
  let i = 0;
  let quote: string | null = null;
  const fail = (what: string) => new DockerfileError(`line ${line}: ${what} is not supported in an image name`);
  while (i < word.length) {
    const c = word[i];
    if (c === escape && quote !== "'") {
      if (i + 1 < word.length) out += word[i + 1];
      i += 2;
      continue;
    }
    if ((c === '"' || c === "'") && (quote === null || quote === c)) {
      quote = quote === null ? c : null;
      i += 1;
      continue;
    }
    if (c === "$" && quote !== "'") {
      const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}/.exec(word.slice(i));
      const plain = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(word.slice(i));
      if (braced) {
        const [whole, name, op, alt = ""] = braced;
        const value = vars[name];
        const set = op?.startsWith(":") ? value !== undefined && value !== "" : value !== undefined;
        if (!op) out += value ?? "";
        else if (op.endsWith("-")) out += set ? value! : expandWord(alt, vars, escape, line);
        else out += set ? expandWord(alt, vars, escape, line) : "";
        i += whole.length;
        continue;
      }
      if (plain) {
        out += vars[plain[1]] ?? "";
        i += plain[0].length;
        continue;
      }
      if (word[i + 1] === "{") throw fail(`the substitution ${word.slice(i)}`);
    }
    out += c;
    i += 1;
  }
  if (quote) throw fail("an unclosed quote");
  return out;
}

/** `ARG a=1 b` as name/default pairs (defaults expanded with the args known so far). */
function argDefinitions(args: string, vars: Record<string, string | undefined>, escape: string, line: number): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const word of args.trim().split(/\s+/).filter(Boolean)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=([\s\S]*))?$/.exec(word);
    if (!match) throw new DockerfileError(`line ${line}: ARG ${word} is not NAME or NAME=value`);
    out.push([match[1], match[2] === undefined ? undefined : expandWord(match[2], vars, escape, line)]);
  }
  return out;
}

/** One image the Dockerfile reads, as written after ARG expansion. */
export interface ImageUse {
  readonly ref: string;
  readonly line: number;
  readonly how: "FROM" | "COPY --from";
}

export interface PinOptions {
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Resolves a reference the way the engine would and checks it may be used; returns its image ID or throws. */
  resolve(use: ImageUse): Promise<string>;
  /** Set right after every FROM, so every image the build makes (intermediates too) carries them. */
  readonly labels: Readonly<Record<string, string>>;
}

const STAGE = (index: number) => `deis-stage-${index}`;

function quoteLabel(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * The Dockerfile as the engine will build it: one instruction per line, stages renamed
 * `deis-stage-<n>`, every image a FROM or COPY --from names replaced by the ID `resolve` checked,
 * the platform's labels after each FROM, and once more as the last instruction when the final stage
 * has a LABEL of its own that could override them (one step: the engine's own build labels are one
 * step per label; each step after a changed one costs the classic builder a container, ~0.2 s). Refuses what the classic builder would read as an image
 * the platform cannot see (RUN mounts, ONBUILD COPY --from, flags it does not know).
 */
export async function pinDockerfile(text: string, options: PinOptions): Promise<string> {
  const { escape, instructions } = parseDockerfile(text);
  const buildArgs = options.buildArgs ?? {};
  const meta: Record<string, string | undefined> = {};
  const stages: string[] = [];
  const resolved = new Map<string, Promise<string>>();
  const resolveOnce = (use: ImageUse) => {
    if (!resolved.has(use.ref)) resolved.set(use.ref, options.resolve(use));
    return resolved.get(use.ref)!;
  };
  const label = `LABEL ${Object.entries(options.labels).map(([k, v]) => `${k}=${quoteLabel(v)}`).join(" ")}`;
  const out: string[] = escape === "`" ? ["# escape=`"] : [];
  /** Whether the current stage has a LABEL after the platform's (which the image would keep). */
  let relabel = false;
  for (const ins of instructions) {
    const at = `line ${ins.line}`;
    if (ins.keyword === "ARG" && stages.length === 0) {
      for (const [name, value] of argDefinitions(ins.args, meta, escape, ins.line)) meta[name] = buildArgs[name] ?? value ?? meta[name];
      out.push(render(ins));
      continue;
    }
    if (stages.length === 0 && ins.keyword !== "FROM") throw new DockerfileError(`${at}: a Dockerfile starts with FROM (only ARG may come before it)`);
    switch (ins.keyword) {
      case "FROM": {
        const unknown = ins.flags.filter((f) => !f.startsWith("--platform="));
        if (unknown.length > 0) throw new DockerfileError(`${at}: FROM ${unknown[0]} is not supported`);
        const words = ins.args.trim().split(/\s+/);
        if (!(words.length === 1 || (words.length === 3 && words[1].toUpperCase() === "AS"))) {
          throw new DockerfileError(`${at}: FROM takes an image and an optional AS name`);
        }
        const ref = expandWord(words[0], meta, escape, ins.line);
        if (!ref) throw new DockerfileError(`${at}: FROM names no image (an empty ARG?)`);
        const stage = stages.indexOf(ref.toLowerCase());
        const base =
          stage >= 0 ? STAGE(stage) : ref.toLowerCase() === "scratch" ? "scratch" : await resolveOnce({ ref, line: ins.line, how: "FROM" });
        stages.push(words.length === 3 ? words[2].toLowerCase() : `\u0000unnamed-${stages.length}`);
        out.push(`FROM ${base} AS ${STAGE(stages.length - 1)}`, label);
        relabel = false;
        continue;
      }
      case "COPY": {
        const flags: string[] = [];
        for (const flag of ins.flags) {
          const [name, value = ""] = flag.split(/=(.*)/s, 2);
          if (name.toLowerCase() !== "--from") {
            flags.push(flag);
            continue;
          }
          if (name !== "--from" || !value) throw new DockerfileError(`${at}: write COPY --from=<stage or image>`);
          flags.push(`--from=${await copySource(value, stages, ins.line, resolveOnce)}`);
        }
        out.push(render({ ...ins, flags }));
        continue;
      }
      case "ADD":
        if (ins.flags.some((f) => f.toLowerCase().startsWith("--from"))) throw new DockerfileError(`${at}: ADD has no --from; use COPY --from`);
        // The engine itself fetches ADD's URLs, from the host's network: no build may make it.
        if (/:\/\/|git@/i.test(ins.args)) {
          throw new DockerfileError(`${at}: ADD <url> is not supported; download in a RUN step (it runs on the build network)`);
        }
        out.push(render(ins));
        continue;
      case "RUN":
        if (ins.flags.length > 0) {
          throw new DockerfileError(`${at}: RUN ${ins.flags[0]} needs BuildKit, which the platform's builder does not use`);
        }
        out.push(render(ins));
        continue;
      case "ONBUILD":
        // Triggers run in a later build (or a later stage) where no one reads them first.
        throw new DockerfileError(`${at}: ONBUILD is not supported (its instructions would run unchecked in a later build)`);
      case "LABEL":
        relabel = true;
        out.push(render(ins));
        continue;
      default:
        out.push(render(ins));
    }
  }
  if (relabel) out.push(label);
  for (const line of out) {
    if (line.replace(/\s+$/, "").endsWith(escape)) throw new DockerfileError(`an instruction ends with the escape character ${escape}`);
  }
  return `${out.join("\n")}\n`;
}

/** COPY --from: an earlier stage (by name or number) becomes its number; anything else is an image. */
async function copySource(value: string, stages: readonly string[], line: number, resolve: (use: ImageUse) => Promise<string>): Promise<string> {
  if (/^\d+$/.test(value) && Number(value) < stages.length - 1) return String(Number(value));
  const stage = stages.indexOf(value.toLowerCase());
  if (stage >= 0 && stage < stages.length - 1) return String(stage);
  return resolve({ ref: value, line, how: "COPY --from" });
}

function render(ins: Instruction): string {
  return [ins.keyword, ...ins.flags, ins.args.replace(/\s+$/, "")].filter(Boolean).join(" ");
}
