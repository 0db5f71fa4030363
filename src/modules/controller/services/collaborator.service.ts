import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound } from "../../../core/errors";
import { App, Collaborator, User, newLogToken } from "../../../entities";
import { AppEventType, announce, logIngestTokenChangedTopic } from "../../../core/topics";
import { type Page, type PageArgs, paginate } from "../pagination";
import type { UnitOfWork } from "../unit-of-work";
import { normalizeUsername } from "../validation/names";
import type { AccessService } from "./access.service";

/** Who besides the owner may work on an app. Only the owner (or an admin) manages this list. */
export class CollaboratorService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
  ) {}

  async list(ctx: RequestContext, appName: string, page: PageArgs): Promise<Page<Collaborator>> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const query = this.dataSource
      .getRepository(Collaborator)
      .createQueryBuilder("collaborator")
      .innerJoinAndSelect("collaborator.user", "user")
      .where(`collaborator."appId" = :appId`, { appId: app.id });
    return paginate(query, [{ column: "user.username", type: "text", value: (c) => c.user.username }], "ASC", page);
  }

  async add(ctx: RequestContext, appName: string, rawUsername: string): Promise<Collaborator> {
    const app = await this.access.requireApp(ctx, appName, "owner");
    const username = normalizeUsername(rawUsername);
    return this.unitOfWork.run(ctx, async (tx) => {
      const user = await tx.manager.findOneBy(User, { username });
      if (!user) throw notFound("user", username);
      if (user.id === app.ownerId) throw invalidInput("username", `${username} owns ${appName} already`);
      if (await tx.manager.existsBy(Collaborator, { appId: app.id, userId: user.id })) {
        throw alreadyExists("username", `${username} is already a collaborator on ${appName}`);
      }
      const collaborator = await tx.manager.save(tx.manager.create(Collaborator, { appId: app.id, userId: user.id }));
      collaborator.user = user;
      void announce(tx, {
        type: AppEventType.COLLABORATOR_ADDED,
        app: app.name,
        actor: ctx.actorName,
        at: collaborator.createdAt.toISOString(),
        username,
      });
      return collaborator;
    });
  }

  async remove(ctx: RequestContext, appName: string, rawUsername: string): Promise<boolean> {
    const app = await this.access.requireApp(ctx, appName, "owner");
    const username = normalizeUsername(rawUsername);
    await this.unitOfWork.run(ctx, async (tx) => {
      const user = await tx.manager.findOneBy(User, { username });
      const result = user ? await tx.manager.delete(Collaborator, { appId: app.id, userId: user.id }) : null;
      if (!result?.affected) throw notFound("collaborator", username);
      // The log ingest token they were shown stops working with their access.
      await tx.manager.update(App, { id: app.id }, { logToken: newLogToken() });
      tx.publish(logIngestTokenChangedTopic, { app: app.name });
      void announce(tx, {
        type: AppEventType.COLLABORATOR_REMOVED,
        app: app.name,
        actor: ctx.actorName,
        at: new Date().toISOString(),
        username,
      });
    });
    return true;
  }
}
