import DataLoader from "dataloader";
import { type DataSource, Not } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { invalidInput, notFound, stateConflict } from "../../../core/errors";
import { type App, type Build, type Config, Release, ReleaseStatus } from "../../../entities";
import { AppEventType, announce } from "../../../core/topics";
import type { DeployService } from "./deploy.service";
import { type Page, type PageArgs, paginate } from "../pagination";
import type { Tx, UnitOfWork } from "../unit-of-work";
import type { AccessService } from "./access.service";

export interface NewRelease {
  readonly build: Build | null;
  readonly config: Config;
  readonly summary: string;
  /** Run the build's release command before its processes start (default); rollbacks do not. */
  readonly runsReleasePhase?: boolean;
}

/**
 * SQL for the id of the newest release of the app whose id is `appId` (an SQL expression): one
 * backwards probe of the (appId, version) index, whatever the number of the app's releases.
 */
export function newestReleaseId(appId: string): string {
  return `SELECT newest.id FROM releases newest WHERE newest."appId" = ${appId} ORDER BY newest.version DESC LIMIT 1`;
}

/**
 * Numbered releases (DESIGN.md "Release semantics"): every build, config change and rollback makes
 * version = latest + 1; a rollback copies an earlier release's build and config.
 */
export class ReleaseService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly deploys: DeployService,
  ) {}

  async list(ctx: RequestContext, appName: string, page: PageArgs): Promise<Page<Release>> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const query = this.dataSource
      .getRepository(Release)
      .createQueryBuilder("release")
      .where(`release."appId" = :appId`, { appId: app.id });
    return paginate(query, [{ column: "release.version", type: "int", value: (r) => r.version }], "DESC", page);
  }

  async get(ctx: RequestContext, appName: string, version: number): Promise<Release> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const release = await this.dataSource.getRepository(Release).findOneBy({ appId: app.id, version });
    if (!release) throw notFound("release", `${appName} v${version}`);
    return release;
  }

  /** The newest release of an app (failed or not), batched per request: one query for a page of apps. */
  latest(ctx: RequestContext, app: App): Promise<Release | null> {
    return this.latestLoader(ctx).load(app.id);
  }

  /** What `latest` answers for this app in this request, loaded already (e.g. with a list of apps). */
  knowLatest(ctx: RequestContext, appId: string, release: Release | null): void {
    this.latestLoader(ctx).prime(appId, release);
  }

  private latestLoader(ctx: RequestContext): DataLoader<string, Release | null> {
    return ctx.scope(
      "releases.latest",
      () =>
        new DataLoader<string, Release | null>(async (appIds) => {
          // Per app, its one newest row: the cost follows the page, not how many releases each app
          // has (DISTINCT ON read and sorted them all).
          const rows = await this.dataSource
            .getRepository(Release)
            .createQueryBuilder("release")
            .where(`release.id = ANY(ARRAY(SELECT (${newestReleaseId("page.id")}) FROM unnest(CAST(:appIds AS uuid[])) AS page(id)))`, { appIds })
            .getMany();
          const byApp = new Map(rows.map((r) => [r.appId, r]));
          return appIds.map((id) => byApp.get(id) ?? null);
        }),
    );
  }

  /** Inside a transaction: the app's newest release, with its build and config. */
  async latestIn(tx: Tx, app: App): Promise<Release> {
    const release = await tx.manager.findOne(Release, {
      where: { appId: app.id },
      order: { version: "DESC" },
      relations: { build: true, config: true },
    });
    if (!release) throw stateConflict(`${app.name} has no releases`);
    return release;
  }

  /**
   * Inside a transaction: the release a new one starts from (DESIGN.md "Failed releases change
   * nothing that serves"): the newest that did not fail, with its build and config.
   */
  async baseIn(tx: Tx, app: App): Promise<Release> {
    const release = await tx.manager.findOne(Release, {
      where: { appId: app.id, status: Not(ReleaseStatus.FAILED) },
      order: { version: "DESC" },
      relations: { build: true, config: true },
    });
    if (!release) throw stateConflict(`${app.name} has no releases`);
    return release;
  }

  /**
   * Inside a transaction: locks the app's row until commit. Every change that makes a release takes
   * it first, before it reads what the release starts from, so two changes at once are ordered.
   */
  async lockApp(tx: Tx, app: App): Promise<void> {
    await tx.manager.query(`SELECT id FROM apps WHERE id = $1 FOR UPDATE`, [app.id]);
  }

  /**
   * Inside a transaction that holds lockApp: allocates the next version, so two changes at once get
   * distinct versions. Events go out after commit.
   */
  async create(ctx: RequestContext, tx: Tx, app: App, input: NewRelease): Promise<Release> {
    // A release with a build must be deployed: refuse it (the transaction rolls back) when no deploy can start.
    if (input.build) await this.deploys.ready();
    const [{ max }] = (await tx.manager.query(
      `SELECT COALESCE(MAX(version), 0)::int AS max FROM releases WHERE "appId" = $1`,
      [app.id],
    )) as { max: number }[];
    const release = await tx.manager.save(
      tx.manager.create(Release, {
        appId: app.id,
        version: max + 1,
        buildId: input.build?.id ?? null,
        configId: input.config.id,
        ownerId: ctx.user?.id ?? null,
        summary: input.summary,
        runsReleasePhase: input.runsReleasePhase ?? true,
        // Without a build there is nothing to run, so the release is as deployed as it gets.
        status: input.build ? ReleaseStatus.PENDING : ReleaseStatus.SUCCEEDED,
      }),
    );
    if (input.build) tx.afterCommit(() => this.deploys.converge(app.name));
    release.build = input.build;
    release.config = input.config;
    void announce(tx, {
      type: AppEventType.RELEASE_CREATED,
      app: app.name,
      actor: ctx.actorName,
      at: release.createdAt.toISOString(),
      version: release.version,
      summary: release.summary,
    });
    ctx.log.info({ app: app.name, version: release.version, summary: release.summary }, "release created");
    return release;
  }

  /** Rolls back to `version` (default: the one before the newest) by copying its build and config. */
  async rollback(ctx: RequestContext, appName: string, version?: number | null): Promise<Release> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return this.unitOfWork.run(ctx, async (tx) => {
      await this.lockApp(tx, app);
      const latest = await this.latestIn(tx, app);
      const targetVersion = version ?? latest.version - 1;
      if (!Number.isInteger(targetVersion) || targetVersion < 1) {
        throw invalidInput("version", "must be a release number like 3 (from `releases`)");
      }
      if (targetVersion === 1) throw invalidInput("version", "cannot roll back to v1, the initial release has nothing to run");
      if (targetVersion >= latest.version) {
        throw invalidInput("version", `must be older than the current release v${latest.version}`);
      }
      const target = await tx.manager.findOne(Release, {
        where: { appId: app.id, version: targetVersion },
        relations: { build: true, config: true },
      });
      if (!target) throw notFound("release", `${app.name} v${targetVersion}`);
      if (target.status === ReleaseStatus.FAILED) {
        throw invalidInput("version", `v${targetVersion} failed to deploy; pick a release that served`);
      }
      return this.create(ctx, tx, app, {
        build: target.build,
        config: target.config,
        summary: `${ctx.actorName} rolled back to v${targetVersion}`,
        // As on Heroku: the target's release command ran when it first served; running it again
        // (e.g. migrations forward) would undo what a rollback is for.
        runsReleasePhase: false,
      });
    });
  }
}
