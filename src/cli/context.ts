import { type DeisClient, type DeisSdk, createDeisClient } from "../sdk/client";
import { resolveApp } from "./app-resolver";
import type { OptionSpec, OptionValue } from "./args";
import { CliError, UsageError } from "./errors";
import type { Io } from "./io";
import { Output } from "./output";
import { Settings } from "./settings";

/** The default request timeout: long enough for a busy platform, short enough that a stuck one is noticed. */
export const DEFAULT_REQUEST_TIMEOUT_S = 30;

/** DEIS_REQUEST_TIMEOUT (seconds, default 30) in ms; a usage error naming the variable and the rule when it is not a positive number. */
export function requestTimeoutMs(io: Io): number {
  const raw = io.env.DEIS_REQUEST_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_REQUEST_TIMEOUT_S * 1000;
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(seconds > 0) || seconds > 86_400) {
    throw new CliError(`DEIS_REQUEST_TIMEOUT must be a number of seconds from 0.001 to 86400, got "${raw}"`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

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
  /** The URL, token and timeout the open client was made with. */
  private clientKey = "";
  /** Clients with a longer timeout (run), closed with the context. */
  private readonly extraClients: DeisClient[] = [];

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
    const timeoutMs = requestTimeoutMs(this.io);
    if (this.client && this.clientKey === `${url} ${token} ${timeoutMs}`) return this.client;
    void this.client?.close();
    this.client = createDeisClient({ url, token, timeoutMs });
    this.clientKey = `${url} ${token} ${timeoutMs}`;
    return this.client;
  }

  /** The SDK with `extraMs` more than the request timeout, for a request that works that long (run). */
  sdkAllowing(extraMs: number): DeisSdk {
    const url = this.settings.url;
    if (!url) return this.sdk; // the usual error saying how to log in
    const client = createDeisClient({ url, token: this.settings.token, timeoutMs: requestTimeoutMs(this.io) + extraMs });
    this.extraClients.push(client);
    return client.sdk;
  }

  /** The app from -a/--app, else the git remote -r/--remote names (default `deis`). */
  app(): Promise<string> {
    return resolveApp(this.io, this.string("app"), this.string("remote"));
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
    await Promise.all([this.client?.close(), ...this.extraClients.map((c) => c.close())]);
  }
}
