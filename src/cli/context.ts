import { type DeisClient, type DeisSdk, createDeisClient } from "../sdk/client";
import { resolveApp } from "./app-resolver";
import type { OptionSpec, OptionValue } from "./args";
import { CliError, UsageError } from "./errors";
import type { Io } from "./io";
import { Output } from "./output";
import { Settings } from "./settings";

/** One `deis` command: what help shows about it and what it does. */
export interface Command {
  /** e.g. "config:set". */
  readonly name: string;
  /** Other names that run it, e.g. "apps:create" for create. */
  readonly aliases?: readonly string[];
  /** The help topic it is listed under, e.g. "config". */
  readonly topic: string;
  /** Its arguments after the name, e.g. "KEY=value...". */
  readonly usage: string;
  readonly description: string;
  readonly examples?: readonly string[];
  readonly options?: readonly OptionSpec[];
  /** How many positional arguments it takes. */
  readonly args?: { readonly min?: number; readonly max?: number };
  /** It works on an app: takes -a/--app and falls back to the git remote. */
  readonly app?: boolean;
  /** It makes a release that deploys: takes --no-wait. */
  readonly deploys?: boolean;
  /** Everything from the first positional on is its argument (`run ls -la`). */
  readonly rest?: boolean;
  /** Returns the exit code (0 when nothing is returned). */
  run(ctx: CommandContext): Promise<number | void>;
}

/** What a command gets: its arguments, the Io, the settings, the SDK and the app it works on. */
export class CommandContext {
  readonly out: Output;
  readonly settings: Settings;
  private client: DeisClient | null = null;
  /** The URL and token the open client was made with. */
  private clientKey = "";

  constructor(
    readonly io: Io,
    readonly command: Command,
    readonly args: readonly string[],
    readonly options: Readonly<Record<string, OptionValue | undefined>>,
  ) {
    this.out = new Output(io, options.json === true);
    this.settings = new Settings(io);
  }

  get json(): boolean {
    return this.out.json;
  }

  /** The SDK on the controller from DEIS_URL or ~/.deis, with the token; an error saying how to log in when there is none. */
  get sdk(): DeisSdk {
    return this.connect(this.settings.url, this.settings.token).sdk;
  }

  /** An SDK client on `url` (login, register), replacing any open one. */
  connect(url: string | null, token: string | null): DeisClient {
    if (!url) throw new CliError("no controller URL is set", "Run deis login <url> (e.g. deis login http://127.0.0.1:8000), or set DEIS_URL.");
    if (this.client && this.clientKey === `${url} ${token}`) return this.client;
    void this.client?.close();
    this.client = createDeisClient({ url, token });
    this.clientKey = `${url} ${token}`;
    return this.client;
  }

  /** The app from -a/--app or the git remote `deis`. */
  app(): Promise<string> {
    return resolveApp(this.io, this.string("app"));
  }

  string(name: string): string | undefined {
    const value = this.options[name];
    return typeof value === "string" ? value : undefined;
  }

  flag(name: string): boolean {
    return this.options[name] === true;
  }

  list(name: string): string[] {
    const value = this.options[name];
    return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  }

  /** A whole-number option within [min, max]; a usage error otherwise. */
  int(name: string, fallback: number | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`, this.command.name);
    }
    return parsed;
  }

  get noWait(): boolean {
    return this.flag("no-wait");
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}
