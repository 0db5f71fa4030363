/**
 * The discovery key layout (DESIGN.md "Contracts"), shared by the controller, the runtime and the
 * router. The router reads nothing but these keys.
 */
export const ROOT = "/deis/";
export const SERVICES = "/deis/services/";
export const DOMAINS = "/deis/domains/";
export const CERTS = "/deis/certs/";
export const PLATFORM = "/deis/platform/";
/** One key per app: what the router applies before the app (maintenance, access rules). */
export const APPS = "/deis/apps/";

/**
 * The value a route is given just before its key is deleted on purpose (scale down, restart,
 * destroy): routers drop the route at once. A route key deleted without it went because its lease
 * expired, which also happens to a live publisher when etcd resumes from a pause: routers keep
 * such a route for a grace period, and the publisher puts it back under a new lease.
 */
export const RETIRED_ROUTE = "retired";

/** `host:port` of one routed container of an app, under its publisher's lease. */
export function serviceKey(app: string, container: string): string {
  return `${SERVICES}${app}/${container}`;
}

export function servicesOf(app: string): string {
  return `${SERVICES}${app}/`;
}

/** The app a custom domain routes to. */
export function domainKey(domain: string): string {
  return `${DOMAINS}${domain}`;
}

/** A TLS certificate and key for a domain, as JSON ({@link CertificateEntry}). */
export function certKey(domain: string): string {
  return `${CERTS}${domain}`;
}

export interface CertificateEntry {
  readonly certificate: string;
  readonly key: string;
}

/**
 * Platform settings: `domain` (the router needs it), `registration-mode` (set by an admin), and
 * `apps-listed` (set by the controller once every app has its {@link appKey}: routers then answer
 * 404 for names on the platform domain that have none, instead of 503).
 */
export function platformKey(name: "domain" | "registration-mode" | "apps-listed"): string {
  return `${PLATFORM}${name}`;
}

/** An app's router settings, as JSON ({@link AppRouterSettings}); present for every app that exists. */
export function appKey(app: string): string {
  return `${APPS}${app}`;
}

/** What the router applies to an app's requests before they reach the app. */
export interface AppRouterSettings {
  /** Answer every request with the maintenance page (503). */
  readonly maintenance: boolean;
  /** Client addresses allowed (CIDRs); empty: every address. */
  readonly allow: readonly string[];
  /** HTTP basic auth: the username and the scrypt hash of the password; null: none. */
  readonly basicAuth: { readonly username: string; readonly passwordHash: string } | null;
}

export type ParsedKey =
  | { kind: "service"; app: string; container: string }
  | { kind: "domain"; domain: string }
  | { kind: "cert"; domain: string }
  | { kind: "platform"; name: string }
  | { kind: "app"; app: string }
  | { kind: "other" };

export function parseKey(key: string): ParsedKey {
  if (key.startsWith(SERVICES)) {
    const [app, container] = key.slice(SERVICES.length).split("/");
    if (app && container) return { kind: "service", app, container };
  } else if (key.startsWith(DOMAINS)) {
    return { kind: "domain", domain: key.slice(DOMAINS.length) };
  } else if (key.startsWith(CERTS)) {
    return { kind: "cert", domain: key.slice(CERTS.length) };
  } else if (key.startsWith(APPS)) {
    const app = key.slice(APPS.length);
    if (app && !app.includes("/")) return { kind: "app", app };
  } else if (key.startsWith(PLATFORM)) {
    return { kind: "platform", name: key.slice(PLATFORM.length) };
  }
  return { kind: "other" };
}
