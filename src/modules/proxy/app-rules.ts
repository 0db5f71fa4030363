import type { IncomingMessage } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { CidrMatcher } from "../../core/cidr";
import { verifyPassword } from "../controller/services/password";
import type { AppRouterSettings } from "../discovery";
import { PAGES, type Page, unauthorizedPage } from "./pages";

/** How long a verified (or refused) credential is remembered, so each request does not pay scrypt. */
export const CREDENTIAL_CACHE_MS = 10_000;
/** Credentials remembered per app; the cache is emptied when full, so random headers cannot grow it. */
const CREDENTIAL_CACHE_LIMIT = 1_000;

interface Verdict {
  /** Known once scrypt has answered. */
  ok: boolean | null;
  readonly pending: Promise<boolean>;
  readonly until: number;
}

/**
 * An app's router settings from its discovery key, ready to apply to requests: the allow-list
 * first (403), then basic auth (401), then maintenance (503). The client address is the TCP peer:
 * X-Forwarded-For is never trusted (a client can write it).
 */
export class AppRules {
  readonly maintenance: boolean;
  private readonly allow: CidrMatcher | null;
  private readonly basicAuth: AppRouterSettings["basicAuth"];
  private readonly unauthorized: Page;
  private readonly verdicts = new Map<string, Verdict>();

  constructor(
    app: string,
    /** The settings as published (the nginx engine renders them into its configuration). */
    readonly settings: AppRouterSettings,
  ) {
    this.maintenance = settings.maintenance;
    this.allow = settings.allow.length > 0 ? new CidrMatcher(settings.allow) : null;
    this.basicAuth = settings.basicAuth;
    this.unauthorized = unauthorizedPage(app);
  }

  /** Nothing to check: the request goes straight to the app. */
  get open(): boolean {
    return !this.maintenance && this.allow === null && this.basicAuth === null;
  }

  /**
   * The page to answer instead of the app, or null to let the request through; a promise only
   * while a credential not seen in the last {@link CREDENTIAL_CACHE_MS} is being verified.
   */
  check(req: IncomingMessage, now = Date.now()): Page | null | Promise<Page | null> {
    if (this.allow && !this.allow.matches(req.socket.remoteAddress ?? "")) return PAGES.forbidden;
    if (this.basicAuth) {
      const ok = this.credential(req.headers.authorization, now);
      if (ok === false) return this.unauthorized;
      if (ok !== true) return ok.then((passed) => (passed ? this.afterAuth() : this.unauthorized));
    }
    return this.afterAuth();
  }

  /**
   * Basic auth alone (the nginx engine applies the allow-list and maintenance itself): true when
   * the app asks for none or the header carries its credentials; a promise while scrypt runs.
   */
  authorized(header: string | undefined, now = Date.now()): boolean | Promise<boolean> {
    return this.basicAuth === null ? true : this.credential(header, now);
  }

  private afterAuth(): Page | null {
    return this.maintenance ? PAGES.maintenance : null;
  }

  /** true or false when known, a promise while scrypt runs (one run per credential at a time). */
  private credential(header: string | undefined, now: number): boolean | Promise<boolean> {
    if (!header || !/^basic /i.test(header)) return false;
    const cached = this.verdicts.get(header);
    if (cached && cached.until > now) return cached.ok ?? cached.pending;
    if (this.verdicts.size >= CREDENTIAL_CACHE_LIMIT) this.verdicts.clear();
    const verdict: Verdict = { ok: null, pending: this.verify(header), until: now + CREDENTIAL_CACHE_MS };
    this.verdicts.set(header, verdict);
    void verdict.pending.then((ok) => (verdict.ok = ok));
    return verdict.pending;
  }

  private async verify(header: string): Promise<boolean> {
    const auth = this.basicAuth;
    if (!auth) return true;
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const username = Buffer.from(decoded.slice(0, colon));
    const expected = Buffer.from(auth.username);
    const sameUser = username.length === expected.length && timingSafeEqual(username, expected);
    // The password is checked even for a wrong username, so both cost the same.
    const samePassword = await verifyPassword(decoded.slice(colon + 1), auth.passwordHash).catch(() => false);
    return sameUser && samePassword;
  }
}

/**
 * The settings in an app key's value. A value that is not valid settings fails closed: the app
 * answers the maintenance page until its key is written again (never served without its rules).
 */
export function parseAppRules(app: string, value: string): AppRules {
  try {
    const settings = JSON.parse(value) as Partial<AppRouterSettings> | null;
    if (!settings || typeof settings !== "object") throw new Error("not an object");
    const allow = Array.isArray(settings.allow) ? settings.allow.filter((c): c is string => typeof c === "string") : [];
    const auth = settings.basicAuth;
    const basicAuth =
      auth && typeof auth.username === "string" && typeof auth.passwordHash === "string"
        ? { username: auth.username, passwordHash: auth.passwordHash }
        : null;
    return new AppRules(app, { maintenance: settings.maintenance === true, allow, basicAuth });
  } catch {
    // fall through
  }
  return new AppRules(app, { maintenance: true, allow: [], basicAuth: null });
}
