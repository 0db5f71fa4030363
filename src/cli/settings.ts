import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "./errors";
import type { Io } from "./io";

/** What ~/.deis/client.json holds. */
export interface StoredSettings {
  /** The controller's GraphQL URL, e.g. http://127.0.0.1:8000/graphql. */
  readonly url?: string;
  readonly token?: string;
  readonly username?: string;
}

/**
 * The client's settings in ~/.deis/client.json (0600, the folder 0700). DEIS_URL and DEIS_TOKEN
 * override what is stored, so scripts and CI need no file.
 */
export class Settings {
  readonly path: string;

  constructor(private readonly io: Io) {
    this.path = join(io.home, ".deis", "client.json");
  }

  read(): StoredSettings {
    if (!existsSync(this.path)) return {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.path, "utf8"));
      return parsed && typeof parsed === "object" ? (parsed as StoredSettings) : {};
    } catch {
      throw new CliError(`${this.path} is not valid JSON`, "Fix it, or delete it and run deis login <url> again.");
    }
  }

  write(settings: StoredSettings): void {
    const dir = join(this.io.home, ".deis");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(this.path, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  /** Merges into what is stored; undefined values remove their keys. */
  update(changes: Partial<Record<keyof StoredSettings, string | undefined>>): void {
    const next: Record<string, string | undefined> = { ...this.read(), ...changes };
    for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
    if (Object.keys(next).length === 0) rmSync(this.path, { force: true });
    else this.write(next);
  }

  /** DEIS_URL, else the stored URL, normalised to the GraphQL endpoint; null when neither is set. */
  get url(): string | null {
    const url = this.io.env.DEIS_URL || this.read().url;
    return url ? controllerUrl(url) : null;
  }

  /** DEIS_TOKEN, else the stored token. */
  get token(): string | null {
    return this.io.env.DEIS_TOKEN || this.read().token || null;
  }

  get username(): string | null {
    return this.read().username ?? null;
  }
}

/**
 * The GraphQL endpoint for what a user types: `127.0.0.1:8000`, `http://deis.example.com` or the
 * full `.../graphql` URL.
 */
export function controllerUrl(input: string): string {
  const withScheme = /^https?:\/\//i.test(input) ? input : `http://${input}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`"${input}" is not a URL`, "Give the controller's address, e.g. deis login http://127.0.0.1:8000");
  }
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/graphql";
  return url.toString().replace(/\/$/, "");
}
