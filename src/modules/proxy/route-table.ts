import { APP_NAME_RE, RESERVED_APP_NAMES } from "../controller/validation/names";
import { type AppRouterSettings, type CertificateEntry, type DiscoveryEvent, RETIRED_ROUTE, parseKey, serviceKey } from "../discovery";
import { type AppRules, parseAppRules } from "./app-rules";

/** One routed container of an app, from `/deis/services/<app>/<container>` = `host:port`. */
export interface Backend {
  readonly container: string;
  readonly host: string;
  readonly port: number;
  /** `host:port`, as published. */
  readonly address: string;
  /** `http://host:port` (`[v6]` bracketed): the connection pool's key. */
  readonly origin: string;
}

/**
 * An app as the router sees it: its backends (replaced, never mutated, so a request in flight
 * keeps the list it started with) and a round-robin cursor that survives route changes.
 */
export class AppRoute {
  backends: readonly Backend[] = [];
  /** Maintenance and access rules from the app's key; null: none published (nothing to check). */
  rules: AppRules | null = null;
  private cursor = 0;

  constructor(readonly name: string) {}

  /** Index of the backend the next request starts at; retries walk on from it. */
  nextIndex(): number {
    const count = this.backends.length;
    if (count === 0) return 0;
    const index = this.cursor % count;
    this.cursor = index + 1;
    return index;
  }
}

/** The route table as plain data: see {@link RouteTable.routingView}. */
export interface RoutingView {
  readonly platformDomain: string | null;
  /** Every app has its key: a platform-domain name without one is no app (404). */
  readonly appsListed: boolean;
  readonly apps: readonly {
    readonly name: string;
    readonly backends: readonly Backend[];
    /** Null: no rules published (open). */
    readonly rules: AppRouterSettings | null;
    /** The app has a key under `/deis/apps/`. */
    readonly listed: boolean;
    /** Custom domains (exact, or `*.zone` for one label). */
    readonly domains: readonly string[];
  }[];
  readonly certificates: readonly { readonly name: string; readonly certificate: string; readonly key: string }[];
}

/** Hosts remembered between changes; cleared when full so random Host headers cannot grow it. */
const HOST_CACHE_LIMIT = 10_000;

/** `host:port` or `[v6]:port` into a backend; null when it is not one. */
export function parseBackend(container: string, value: string): Backend | null {
  const colon = value.lastIndexOf(":");
  if (colon <= 0) return null;
  let host = value.slice(0, colon).trim();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const portText = value.slice(colon + 1).trim();
  const port = Number(portText);
  if (!host || !/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535) return null;
  return { container, host, port, address: value.trim(), origin: `http://${host.includes(":") ? `[${host}]` : host}:${port}` };
}

/** A Host header as a bare lowercase name: no port, no trailing dot. */
export function hostName(header: string): string {
  let host = header.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 ? host.slice(1, end) : host;
  }
  const colon = host.indexOf(":");
  if (colon >= 0) host = host.slice(0, colon);
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

/**
 * Everything the router knows, built from discovery keys (DESIGN.md "Contracts"): which app a Host
 * belongs to, each app's backends, and the certificates to answer TLS with. Pure: events in,
 * answers out; the loader feeds it (with the time, for expiries) and the servers ask it.
 *
 * Route deletes: a route retired on purpose (its value set to {@link RETIRED_ROUTE}, then deleted)
 * goes at once. A route key that vanishes otherwise (its lease expired: a dead publisher, or a live
 * one whose lease etcd expired on resuming from a pause) is kept as an orphan for `leaseGraceMs`;
 * a put of the key within that time adopts it again, else {@link expireOrphans} drops it.
 */
export class RouteTable {
  constructor(private readonly leaseGraceMs = 0) {}

  /** Route keys whose lease ended without a retirement, kept until `since + leaseGraceMs`. */
  private readonly orphans = new Map<string, { readonly app: string; readonly container: string; readonly since: number }>();
  private platformSuffix: string | null = null;
  private platformDomainValue: string | null = null;
  /** Custom domain, or `*.example.com`, to app name. */
  private readonly domains = new Map<string, string>();
  private services = new Map<string, Map<string, Backend>>();
  private readonly apps = new Map<string, AppRoute>();
  private readonly certs = new Map<string, CertificateEntry>();
  /** Apps with a key under `/deis/apps/`, and their rules. */
  private readonly appRules = new Map<string, AppRules>();
  /** The controller publishes a key for every app: a name on the platform domain without one is no app. */
  private appsListed = false;
  private hostCache = new Map<string, AppRoute | null>();

  get platformDomain(): string | null {
    return this.platformDomainValue;
  }

  /**
   * Replaces everything with a snapshot of `/deis/` (AppRoute objects and their cursors stay).
   * Routes the snapshot no longer has are kept as orphans (the watch that would have said why they
   * went was lost), so a reload while leases are being renewed drops nothing it should keep.
   */
  load(snapshot: ReadonlyMap<string, string>, now = Date.now()): void {
    const before = this.services;
    const orphansBefore = new Map(this.orphans);
    this.platformDomainValue = null;
    this.platformSuffix = null;
    this.domains.clear();
    this.services = new Map();
    this.orphans.clear();
    this.certs.clear();
    this.appRules.clear();
    this.appsListed = false;
    for (const route of this.apps.values()) {
      route.backends = [];
      route.rules = null;
    }
    for (const [key, value] of snapshot) this.set(key, value);
    if (this.leaseGraceMs > 0) {
      for (const [app, containers] of before) {
        for (const [container, backend] of containers) {
          const key = serviceKey(app, container);
          if (snapshot.has(key)) continue;
          this.keep(app, backend);
          this.orphans.set(key, { app, container, since: orphansBefore.get(key)?.since ?? now });
        }
      }
    }
    for (const app of this.apps.keys()) this.refreshApp(app);
    this.hostCache = new Map();
  }

  apply(event: DiscoveryEvent, now = Date.now()): void {
    if (event.type === "put" && event.value !== null) return this.set(event.key, event.value);
    const parsed = parseKey(event.key);
    if (this.leaseGraceMs > 0 && parsed.kind === "service" && this.services.get(parsed.app)?.has(parsed.container)) {
      // Deleted without being retired: its lease expired. Keep serving it until the grace ends.
      if (!this.orphans.has(event.key)) this.orphans.set(event.key, { app: parsed.app, container: parsed.container, since: now });
      return;
    }
    this.unset(event.key);
  }

  /** When the next orphan's grace ends (ms since the epoch); null when there is none. */
  nextOrphanExpiry(): number | null {
    let next: number | null = null;
    for (const { since } of this.orphans.values()) next = Math.min(next ?? Infinity, since + this.leaseGraceMs);
    return next;
  }

  /** Drops the orphans whose grace has ended by `now`; returns their keys. */
  expireOrphans(now = Date.now()): string[] {
    const expired = [...this.orphans].filter(([, { since }]) => since + this.leaseGraceMs <= now).map(([key]) => key);
    for (const key of expired) this.unset(key);
    return expired;
  }

  /** Route keys kept past their lease, waiting for their publisher to put them back. */
  orphanKeys(): string[] {
    return [...this.orphans.keys()];
  }

  /**
   * The app a Host header belongs to: an exact custom domain, then a wildcard custom domain
   * (`*.example.com` covers one label), then `<app>.<platform-domain>`. An app on the platform
   * domain with no backends is still that app (the router answers 503); null means unknown (404).
   * Once the controller says every app has its key (`apps-listed`), a name on the platform domain
   * without one is unknown (a destroyed or renamed app's old name answers 404).
   */
  resolve(hostHeader: string | undefined): AppRoute | null {
    if (!hostHeader) return null;
    const cached = this.hostCache.get(hostHeader);
    if (cached !== undefined) return cached;
    const route = this.lookup(hostName(hostHeader));
    if (this.hostCache.size >= HOST_CACHE_LIMIT) this.hostCache = new Map();
    this.hostCache.set(hostHeader, route);
    return route;
  }

  /** The app of this name, or null: the nginx engine's credential check, for the app whose server nginx chose. */
  named(app: string): AppRoute | null {
    return this.apps.get(app) ?? null;
  }

  /** The certificate for a TLS server name: exact, then `*.<parent>`. */
  certificateFor(serverName: string): CertificateEntry | null {
    const name = hostName(serverName);
    const exact = this.certs.get(name);
    if (exact) return exact;
    const dot = name.indexOf(".");
    return dot > 0 ? (this.certs.get(`*${name.slice(dot)}`) ?? null) : null;
  }

  /**
   * Everything the table routes by, as plain data (for the nginx engine's renderer): every app a
   * Host can reach with its backends, rules and custom domains, the certificates, and whether a
   * platform-domain name needs an app key to be an app.
   */
  routingView(): RoutingView {
    const domainsOf = new Map<string, string[]>();
    for (const [domain, app] of this.domains) domainsOf.set(app, [...(domainsOf.get(app) ?? []), domain]);
    const apps: RoutingView["apps"][number][] = [];
    for (const [name, route] of this.apps) {
      apps.push({ name, backends: route.backends, rules: route.rules?.settings ?? null, listed: this.appRules.has(name), domains: domainsOf.get(name) ?? [] });
    }
    return {
      platformDomain: this.platformDomainValue,
      appsListed: this.appsListed,
      apps,
      certificates: [...this.certs].map(([name, entry]) => ({ name, ...entry })),
    };
  }

  /** A plain view for logs and tests: app -> backend addresses, domain -> app. */
  describe(): { platformDomain: string | null; apps: Record<string, string[]>; domains: Record<string, string> } {
    const apps: Record<string, string[]> = {};
    for (const [name, route] of this.apps) if (route.backends.length > 0) apps[name] = route.backends.map((b) => b.address);
    return { platformDomain: this.platformDomainValue, apps, domains: Object.fromEntries(this.domains) };
  }

  private lookup(host: string): AppRoute | null {
    if (!host) return null;
    const exact = this.domains.get(host);
    if (exact !== undefined) return this.route(exact);
    const dot = host.indexOf(".");
    if (dot > 0) {
      const wildcard = this.domains.get(`*${host.slice(dot)}`);
      if (wildcard !== undefined) return this.route(wildcard);
    }
    const suffix = this.platformSuffix;
    if (suffix && dot > 0 && host.length === dot + suffix.length && host.endsWith(suffix)) {
      const app = host.slice(0, dot);
      if (!APP_NAME_RE.test(app) || RESERVED_APP_NAMES.has(app)) return null;
      if (this.appsListed && !this.appRules.has(app)) return null;
      return this.apps.get(app) ?? new AppRoute(app);
    }
    return null;
  }

  private route(app: string): AppRoute {
    let route = this.apps.get(app);
    if (!route) {
      route = new AppRoute(app);
      this.apps.set(app, route);
      this.hostCache = new Map(); // it may hold a placeholder for this app
    }
    return route;
  }

  private set(key: string, value: string): void {
    const parsed = parseKey(key);
    switch (parsed.kind) {
      case "service": {
        // A retired route (or any value that is no address) goes at once.
        const backend = value === RETIRED_ROUTE ? null : parseBackend(parsed.container, value);
        if (!backend) return this.unset(key);
        this.orphans.delete(key);
        this.keep(parsed.app, backend);
        this.refreshApp(parsed.app);
        return;
      }
      case "domain": {
        const app = value.trim();
        if (!app) return this.unset(key);
        const domain = hostName(parsed.domain);
        const previous = this.domains.get(domain);
        this.domains.set(domain, app);
        this.route(app);
        this.hostCache = new Map();
        if (previous !== undefined && previous !== app) this.refreshApp(previous);
        return;
      }
      case "cert": {
        const entry = parseCertificate(value);
        if (entry) this.certs.set(hostName(parsed.domain), entry);
        else this.certs.delete(hostName(parsed.domain));
        return;
      }
      case "platform":
        if (parsed.name === "domain") this.setPlatformDomain(value);
        if (parsed.name === "apps-listed") this.setAppsListed(value === "true");
        return;
      case "app": {
        const rules = parseAppRules(parsed.app, value);
        this.appRules.set(parsed.app, rules);
        this.route(parsed.app).rules = rules;
        this.hostCache = new Map();
        return;
      }
      default:
        return;
    }
  }

  private setAppsListed(listed: boolean): void {
    this.appsListed = listed;
    this.hostCache = new Map();
  }

  private unset(key: string): void {
    const parsed = parseKey(key);
    switch (parsed.kind) {
      case "service": {
        this.orphans.delete(key);
        const containers = this.services.get(parsed.app);
        if (!containers?.delete(parsed.container)) return;
        if (containers.size === 0) this.services.delete(parsed.app);
        this.refreshApp(parsed.app);
        return;
      }
      case "domain": {
        const domain = hostName(parsed.domain);
        const app = this.domains.get(domain);
        if (app === undefined) return;
        this.domains.delete(domain);
        this.hostCache = new Map();
        this.refreshApp(app);
        return;
      }
      case "cert":
        this.certs.delete(hostName(parsed.domain));
        return;
      case "platform":
        if (parsed.name === "domain") this.setPlatformDomain(null);
        if (parsed.name === "apps-listed") this.setAppsListed(false);
        return;
      case "app": {
        if (!this.appRules.delete(parsed.app)) return;
        const route = this.apps.get(parsed.app);
        if (route) route.rules = null;
        this.hostCache = new Map();
        this.refreshApp(parsed.app);
        return;
      }
      default:
        return;
    }
  }

  private keep(app: string, backend: Backend): void {
    let containers = this.services.get(app);
    if (!containers) this.services.set(app, (containers = new Map()));
    containers.set(backend.container, backend);
  }

  private setPlatformDomain(value: string | null): void {
    const domain = value === null ? "" : hostName(value);
    this.platformDomainValue = domain || null;
    this.platformSuffix = domain ? `.${domain}` : null;
    this.hostCache = new Map();
  }

  /** Rebuilds an app's backend list (sorted by container, so every router walks the same order). */
  private refreshApp(app: string): void {
    const containers = this.services.get(app);
    const route = containers ? this.route(app) : this.apps.get(app);
    if (!route) return;
    route.backends = containers ? [...containers.values()].sort((a, b) => (a.container < b.container ? -1 : 1)) : [];
    if (!containers && !this.appRules.has(app) && ![...this.domains.values()].includes(app)) {
      this.apps.delete(app);
      this.hostCache = new Map();
    }
  }
}

function parseCertificate(value: string): CertificateEntry | null {
  try {
    const entry = JSON.parse(value) as Partial<CertificateEntry> | null;
    return typeof entry?.certificate === "string" && typeof entry.key === "string"
      ? { certificate: entry.certificate, key: entry.key }
      : null;
  } catch {
    return null;
  }
}
