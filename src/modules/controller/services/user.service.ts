import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { loadById } from "../loaders";
import { notFound, stateConflict } from "../../../core/errors";
import { App, User } from "../../../entities";
import { type Page, type PageArgs, paginate } from "../pagination";
import { normalizeUsername } from "../validation/names";
import { sessionsEndedTopic } from "../../../core/topics";
import type { EventBus } from "../../cache";
import type { UnitOfWork } from "../unit-of-work";
import type { AccessService } from "./access.service";
import { revokeTokens } from "./auth.service";

/** Accounts as admins see them, and the end of an account. */
export class UserService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly events: EventBus,
  ) {}

  viewer(ctx: RequestContext): User {
    return this.access.requireUser(ctx);
  }

  async list(ctx: RequestContext, page: PageArgs): Promise<Page<User>> {
    this.access.requireAdmin(ctx);
    const query = this.dataSource.getRepository(User).createQueryBuilder("user");
    return paginate(query, [{ column: "user.username", type: "text", value: (u) => u.username }], "ASC", page);
  }

  /** Users by id, batched per request. */
  byId(ctx: RequestContext, id: string): Promise<User | null> {
    return loadById(ctx, this.dataSource.getRepository(User), id);
  }

  async grantAdmin(ctx: RequestContext, username: string): Promise<User> {
    this.access.requireAdmin(ctx);
    const user = await this.find(username);
    user.isAdmin = true;
    return this.dataSource.getRepository(User).save(user);
  }

  /** Takes admin rights away; the user's live subscriptions end (they were authorized as an admin). */
  async revokeAdmin(ctx: RequestContext, username: string): Promise<User> {
    this.access.requireAdmin(ctx);
    return this.unitOfWork.run(ctx, async (tx) => {
      const { manager } = tx;
      await manager.query(`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`);
      const user = await this.find(username, manager.getRepository(User));
      if (user.isAdmin && (await manager.countBy(User, { isAdmin: true })) === 1) {
        throw stateConflict(`${user.username} is the only admin; grant admin to someone else first`);
      }
      const wasAdmin = user.isAdmin;
      user.isAdmin = false;
      // Read after the commit: a token that authenticated while the user was still an admin exists by then.
      if (wasAdmin) tx.afterCommit(async () => {
        const tokens: { hash: string }[] = await this.dataSource.query(`SELECT hash FROM tokens WHERE "userId" = $1`, [user.id]);
        if (tokens.length > 0) await this.events.publish(sessionsEndedTopic, { tokenHashes: tokens.map((t) => t.hash), reason: "admin-revoked" });
      });
      return manager.save(user);
    });
  }

  /** Deletes an account (the caller's, or anyone's for an admin); refused while it owns apps. */
  async cancelAccount(ctx: RequestContext, username?: string | null): Promise<boolean> {
    const caller = this.access.requireUser(ctx);
    const target = username && normalizeUsername(username) !== caller.username ? username : null;
    if (target) this.access.requireAdmin(ctx);
    await this.unitOfWork.run(ctx, async (tx) => {
      const { manager } = tx;
      await manager.query(`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`);
      const user = target ? await this.find(target, manager.getRepository(User)) : caller;
      const owned = await manager.find(App, { where: { ownerId: user.id }, select: { name: true }, take: 5 });
      if (owned.length > 0) {
        throw stateConflict(
          `${user.username} still owns apps (${owned.map((a) => a.name).join(", ")}); destroy or transfer them first`,
        );
      }
      if (user.isAdmin && (await manager.countBy(User, { isAdmin: true })) === 1 && (await manager.count(User)) > 1) {
        throw stateConflict(`${user.username} is the only admin; grant admin to someone else first`);
      }
      // The tokens would go with the user (cascade); deleting them first tells live sessions to end.
      await revokeTokens(tx, "account-cancelled", `"userId" = $1`, [user.id]);
      await manager.delete(User, { id: user.id });
    });
    ctx.log.info({ username: target ?? caller.username }, "account cancelled");
    return true;
  }

  private async find(username: string, repository = this.dataSource.getRepository(User)): Promise<User> {
    const user = await repository.findOneBy({ username: normalizeUsername(username) });
    if (!user) throw notFound("user", username);
    return user;
  }
}
