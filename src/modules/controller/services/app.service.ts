import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound, stateConflict } from "../../../core/errors";
import { App, Build, Collaborator, Config, Release, User, Volume, newLogToken } from "../../../entities";
import { AppEventType, announce, appDestroyedTopic, logDrainsChangedTopic, logIngestTokenChangedTopic } from "../../../core/topics";
import { type Page, type PageArgs, paginate } from "../pagination";
import type { UnitOfWork } from "../unit-of-work";
import { normalizeUsername, randomAppName, validateAppName } from "../validation/names";
import type { AccessService } from "./access.service";
import type { DeployService } from "./deploy.service";
import { isUniqueViolation } from "../../database";
import { type ReleaseService, newestReleaseId } from "./release.service";
import type { RoutingService } from "./routing.service";

/** Where list() puts an app's newest release (a property of the loaded object only, no column). */
const NEWEST = "newestRelease";
type WithNewest = App & { [NEWEST]?: Release | null };

/** Apps: create (with release v1), list, look up, transfer and destroy. */
export class AppService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly releases: ReleaseService,
    private readonly deploys: DeployService,
    private readonly routing: RoutingService,
    private readonly logs: { clear(app: string): Promise<void>; carry(from: string, to: string): Promise<void> },
  ) {}

  /**
   * The apps the caller owns or collaborates on (every app, for an admin), by name. With
   * `withLatestRelease`, each app's newest release comes in the same statement and is what
   * ReleaseService.latest answers for it in this request.
   */
  async list(ctx: RequestContext, page: PageArgs, options: { withLatestRelease?: boolean } = {}): Promise<Page<App>> {
    const user = this.access.requireUser(ctx);
    const query = this.dataSource.getRepository(App).createQueryBuilder("app");
    if (options.withLatestRelease) query.leftJoinAndMapOne(`app.${NEWEST}`, Release, NEWEST, `${NEWEST}.id = (${newestReleaseId("app.id")})`);
    if (!user.isAdmin) {
      query.where(
        `(app."ownerId" = :userId OR EXISTS (SELECT 1 FROM collaborators c WHERE c."appId" = app.id AND c."userId" = :userId))`,
        { userId: user.id },
      );
    }
    const listed = await paginate(query, [{ column: "app.name", type: "text", value: (a) => a.name }], "ASC", page);
    if (options.withLatestRelease) {
      for (const app of listed.nodes as WithNewest[]) this.releases.knowLatest(ctx, app.id, app[NEWEST] ?? null);
    }
    return listed;
  }

  get(ctx: RequestContext, name: string): Promise<App> {
    return this.access.requireApp(ctx, name, "collaborator");
  }

  /** Creates an app (a random adjective-noun name when none is given) and its release v1. */
  async create(ctx: RequestContext, requestedName?: string | null): Promise<App> {
    const user = this.access.requireUser(ctx);
    const explicit = requestedName !== undefined && requestedName !== null;
    if (explicit) validateAppName(requestedName);
    for (let attempt = 0; ; attempt++) {
      const name = explicit ? requestedName : randomAppName(attempt > 2);
      if (!explicit && (await this.dataSource.getRepository(App).existsBy({ name })) && attempt < 10) continue;
      try {
        return await this.unitOfWork.run(ctx, async (tx) => {
          const app = await tx.manager.save(tx.manager.create(App, { name, ownerId: user.id, structure: {}, logToken: newLogToken() }));
          const config = await tx.manager.save(tx.manager.create(Config, { appId: app.id, ownerId: user.id }));
          await this.releases.create(ctx, tx, app, {
            build: null,
            config,
            summary: `${user.username} created initial release`,
          });
          // Its router key: the router answers for it (503 until it has processes) instead of 404.
          tx.afterCommit(() => this.routing.request(app.name));
          return app;
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (explicit || attempt >= 10) throw alreadyExists("name", `an app named "${name}" already exists`);
      }
    }
  }

  async destroy(ctx: RequestContext, name: string): Promise<boolean> {
    const app = await this.access.requireApp(ctx, name, "owner");
    await this.unitOfWork.run(ctx, async (tx) => {
      await tx.manager.delete(App, { id: app.id });
      tx.publish(appDestroyedTopic, { app: app.name });
      tx.afterCommit(() => {
        // The app is gone from the database: the deploy removes what it ran, its routes and images.
        this.deploys.converge(app.name);
        this.routing.request(app.name);
        void this.logs.clear(app.name).catch(() => undefined);
      });
      void announce(tx, {
        type: AppEventType.APP_DESTROYED,
        app: app.name,
        actor: ctx.actorName,
        at: new Date().toISOString(),
      });
    });
    ctx.log.info({ app: name }, "app destroyed");
    return true;
  }

  /**
   * Renames an app (owner or admin). Nothing of it stays under the old name: its build images are
   * named in the new repository, its recent log lines move, and its processes, routes, network and
   * repository on the builder under the old name go (as when an app is destroyed); what serves is
   * deployed again under the new name (no new release: neither the build nor the config changed).
   * Custom domains, config, drains, releases and collaborators stay with the app. Refused while a
   * push to the app is in progress; waits for a running deploy.
   */
  async rename(ctx: RequestContext, name: string, newName: string): Promise<App> {
    const app = await this.access.requireApp(ctx, name, "owner");
    validateAppName(newName, "name");
    if (newName === app.name) throw invalidInput("name", `${name} is already the app's name`);
    const renamed = await this.deploys.exclusive(app.name, async () => {
      if (await this.dataSource.getRepository(App).existsBy({ name: newName })) {
        throw alreadyExists("name", `an app named "${newName}" already exists`);
      }
      // The old name is removed as if destroyed, volumes included: refused rather than lose their data.
      if (await this.dataSource.getRepository(Volume).existsBy({ appId: app.id })) {
        throw stateConflict(`${app.name} has volumes, which a rename would remove: remove them first (deis volumes:remove), or keep the name`);
      }
      const builds = await this.dataSource.getRepository(Build).find({ where: { appId: app.id }, select: { id: true, image: true } });
      // Named in the new repository before the row changes, so the new name's deploy finds them.
      const images = await this.deploys.renameImages(app.name, newName, builds.map((b) => b.image));
      // Its recent log lines go with it (before the old name's are cleared when the rename commits).
      await this.logs.carry(app.name, newName);
      try {
        return await this.unitOfWork.run(ctx, async (tx) => {
          await tx.manager.update(App, { id: app.id }, { name: newName });
          for (const build of builds) {
            const image = images.get(build.image);
            if (image) await tx.manager.update(Build, { id: build.id }, { image });
          }
          // The old name is gone as if destroyed: the builder drops its repository, the log server its lines.
          tx.publish(appDestroyedTopic, { app: app.name });
          tx.publish(logDrainsChangedTopic, { app: newName });
          tx.publish(logIngestTokenChangedTopic, { app: newName });
          tx.afterCommit(() => {
            for (const each of [app.name, newName]) {
              this.deploys.converge(each);
              this.routing.request(each);
            }
            void this.logs.clear(app.name).catch(() => undefined);
          });
          return tx.manager.findOneByOrFail(App, { id: app.id });
        });
      } catch (error) {
        await this.deploys.forgetImages([...images.values()]);
        await this.logs.clear(newName).catch(() => undefined);
        if (isUniqueViolation(error)) throw alreadyExists("name", `an app named "${newName}" already exists`);
        throw error;
      }
    });
    ctx.log.info({ app: name, to: newName }, "app renamed");
    return renamed;
  }

  /** Gives the app to another user; the old owner keeps no access unless made a collaborator. */
  async transfer(ctx: RequestContext, name: string, toUsername: string): Promise<App> {
    const app = await this.access.requireApp(ctx, name, "owner");
    const username = normalizeUsername(toUsername, "to");
    return this.unitOfWork.run(ctx, async (tx) => {
      const target = await tx.manager.findOneBy(User, { username });
      if (!target) throw notFound("user", username);
      if (target.id === app.ownerId) throw invalidInput("to", `${username} already owns ${name}`);
      await tx.manager.delete(Collaborator, { appId: app.id, userId: target.id });
      // The former owner loses access, and with it the log ingest token they were shown.
      await tx.manager.update(App, { id: app.id }, { ownerId: target.id, logToken: newLogToken() });
      tx.publish(logIngestTokenChangedTopic, { app: app.name });
      void announce(tx, {
        type: AppEventType.APP_TRANSFERRED,
        app: app.name,
        actor: ctx.actorName,
        at: new Date().toISOString(),
        username,
      });
      return tx.manager.findOneByOrFail(App, { id: app.id });
    });
  }
}
