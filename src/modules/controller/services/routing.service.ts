import type { DataSource } from "typeorm";
import type { Logger } from "../../../core/logger";
import { App, Certificate, Domain } from "../../../entities";
import {
  APPS,
  type AppRouterSettings,
  CERTS,
  type CertificateEntry,
  DOMAINS,
  type DiscoveryStore,
  appKey,
  certKey,
  domainKey,
  platformKey,
} from "../../discovery";

/** Does a certificate name (exact, or `*.example.com` for one label) cover the domain? */
export function covers(name: string, domain: string): boolean {
  if (name === domain) return true;
  return name.startsWith("*.") && domain.endsWith(name.slice(1)) && !domain.slice(0, -name.length + 1).includes(".");
}

/**
 * Writes what the router needs into discovery from the database, the source of truth: the platform
 * domain, each app's key (its maintenance and access rules; present for every app, so routers tell
 * a name that is no app from an app with no processes), each app's custom domains, and the
 * certificate that covers each of them. Idempotent: keys that no longer match the database are removed.
 */
export class RoutingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly discovery: DiscoveryStore,
    private readonly platformDomain: string,
    private readonly log: Logger,
  ) {}

  /**
   * Throws DiscoveryUnavailable (SERVICE_UNAVAILABLE) within its bound when discovery does not
   * answer: changes that write routes check this first, so they change nothing while it is down.
   */
  async requireReachable(): Promise<void> {
    await this.discovery.reachable();
  }

  /** Brings one app's key, domain and certificate keys in line with the database (none, once it is gone). */
  async syncApp(name: string): Promise<void> {
    const app = await this.dataSource.getRepository(App).findOne({
      where: { name },
      select: { id: true, name: true, maintenance: true, allowList: true, basicAuthUsername: true, basicAuthHash: true },
    });
    if (app) {
      const settings: AppRouterSettings = {
        maintenance: app.maintenance,
        allow: app.allowList,
        basicAuth: app.basicAuthUsername && app.basicAuthHash ? { username: app.basicAuthUsername, passwordHash: app.basicAuthHash } : null,
      };
      await this.discovery.put(appKey(name), JSON.stringify(settings));
    } else {
      await this.discovery.delete(appKey(name));
    }
    const domains = app ? await this.dataSource.getRepository(Domain).findBy({ appId: app.id }) : [];
    const certificates = app ? await this.dataSource.getRepository(Certificate).findBy({ appId: app.id }) : [];
    const wanted = new Set(domains.map((d) => d.domain));
    for (const [key, owner] of await this.discovery.getPrefix(DOMAINS)) {
      const domain = key.slice(DOMAINS.length);
      if (owner === name && !wanted.has(domain)) {
        await this.discovery.delete(key);
        await this.discovery.delete(certKey(domain));
      }
    }
    for (const { domain } of domains) {
      await this.discovery.put(domainKey(domain), name);
      const certificate = certificates.find((c) => [c.commonName, ...c.sans].some((n) => covers(n, domain)));
      if (certificate) {
        const entry: CertificateEntry = { certificate: certificate.certificate, key: certificate.key };
        await this.discovery.put(certKey(domain), JSON.stringify(entry));
      } else {
        await this.discovery.delete(certKey(domain));
      }
    }
  }

  private readonly queues = new Map<string, Promise<void>>();

  /**
   * Asks for a sync after a change commits. Syncs of one app run one after another, so an older
   * one cannot undo a newer one; failures are logged (the next start-up sync repairs them).
   */
  request(name: string): void {
    const next = (this.queues.get(name) ?? Promise.resolve())
      .then(() => this.syncApp(name))
      .catch((error: unknown) => this.log.error({ err: error, app: name }, "routing sync failed"));
    this.queues.set(name, next);
    void next.then(() => {
      if (this.queues.get(name) === next) this.queues.delete(name);
    });
  }

  /** Every app, the platform domain, and no keys for apps or domains that are gone. Run at start-up. */
  async syncAll(): Promise<void> {
    await this.discovery.put(platformKey("domain"), this.platformDomain);
    const apps = new Set((await this.dataSource.getRepository(App).find({ select: { name: true } })).map((a) => a.name));
    for (const owner of new Set((await this.discovery.getPrefix(DOMAINS)).values())) {
      if (!apps.has(owner)) apps.add(owner);
    }
    for (const key of (await this.discovery.getPrefix(APPS)).keys()) apps.add(key.slice(APPS.length));
    for (const app of apps) await this.syncApp(app);
    // Every app has its key now: routers may answer 404 for names on the platform domain without one.
    await this.discovery.put(platformKey("apps-listed"), "true");
    for (const key of (await this.discovery.getPrefix(CERTS)).keys()) {
      if ((await this.discovery.get(domainKey(key.slice(CERTS.length)))) === null) await this.discovery.delete(key);
    }
  }
}
