import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound } from "../../../core/errors";
import { Domain } from "../../../entities";
import { AppEventType, announce } from "../../../core/topics";
import { type Page, type PageArgs, paginate } from "../pagination";
import type { UnitOfWork } from "../unit-of-work";
import { normalizeDomain } from "../validation/domain-rules";
import type { AccessService } from "./access.service";
import { isUniqueViolation } from "../../database";
import type { RoutingService } from "./routing.service";

export const MAX_DOMAINS_PER_APP = 100;

/** Custom domains. Each domain belongs to at most one app. */
export class DomainService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly platformDomain: string,
    private readonly routing: RoutingService,
  ) {}

  async list(ctx: RequestContext, appName: string, page: PageArgs): Promise<Page<Domain>> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const query = this.dataSource
      .getRepository(Domain)
      .createQueryBuilder("domain")
      .where(`domain."appId" = :appId`, { appId: app.id });
    return paginate(query, [{ column: "domain.domain", type: "text", value: (d) => d.domain }], "ASC", page);
  }

  async add(ctx: RequestContext, appName: string, rawDomain: string): Promise<Domain> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const name = normalizeDomain(rawDomain, this.platformDomain);
    await this.routing.requireReachable();
    try {
      return await this.unitOfWork.run(ctx, async (tx) => {
        const existing = await tx.manager.findOneBy(Domain, { domain: name });
        if (existing) {
          throw alreadyExists(
            "domain",
            existing.appId === app.id ? `${name} is already a domain of ${appName}` : `${name} is in use by another app`,
          );
        }
        if ((await tx.manager.countBy(Domain, { appId: app.id })) >= MAX_DOMAINS_PER_APP) {
          throw invalidInput("domain", `an app has at most ${MAX_DOMAINS_PER_APP} domains`);
        }
        const domain = await tx.manager.save(tx.manager.create(Domain, { appId: app.id, domain: name }));
        tx.afterCommit(() => this.routing.request(app.name));
        void announce(tx, {
          type: AppEventType.DOMAIN_ADDED,
          app: app.name,
          actor: ctx.actorName,
          at: domain.createdAt.toISOString(),
          domain: name,
        });
        return domain;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists("domain", `${name} is in use by another app`);
      throw error;
    }
  }

  async remove(ctx: RequestContext, appName: string, rawDomain: string): Promise<boolean> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const name = rawDomain.trim().toLowerCase().replace(/\.$/, "");
    await this.routing.requireReachable();
    await this.unitOfWork.run(ctx, async (tx) => {
      const result = await tx.manager.delete(Domain, { appId: app.id, domain: name });
      if (!result.affected) throw notFound("domain", name);
      tx.afterCommit(() => this.routing.request(app.name));
      void announce(tx, {
        type: AppEventType.DOMAIN_REMOVED,
        app: app.name,
        actor: ctx.actorName,
        at: new Date().toISOString(),
        domain: name,
      });
    });
    return true;
  }
}
