import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { notAuthenticated, notFound, permissionDenied } from "../../../core/errors";
import { App, type User } from "../../../entities";
import { APP_NAME_RE } from "../validation/names";

/**
 * Who may do what. Collaborators may do everything to an app but destroy it, transfer it or manage
 * its collaborators; those need the owner. Admins may do everything.
 */
export type AppRole = "collaborator" | "owner";

export class AccessService {
  constructor(private readonly dataSource: DataSource) {}

  requireUser(ctx: RequestContext): User {
    if (!ctx.user) throw notAuthenticated();
    return ctx.user;
  }

  requireAdmin(ctx: RequestContext): User {
    const user = this.requireUser(ctx);
    if (!user.isAdmin) throw permissionDenied("only an admin may do this");
    return user;
  }

  /**
   * Loads an app the caller may act on in `role`, in one query. An app the caller may not see at all
   * answers exactly as one that does not exist (NOT_FOUND, same message), so names cannot be probed;
   * PERMISSION_DENIED only for a collaborator asking for what needs the owner.
   */
  async requireApp(ctx: RequestContext, name: string, role: AppRole): Promise<App> {
    const user = this.requireUser(ctx);
    // No app has a name outside the rule: not found, without asking the database.
    if (!APP_NAME_RE.test(name)) throw notFound("app", name);
    const { entities, raw } = await this.dataSource
      .getRepository(App)
      .createQueryBuilder("app")
      .addSelect(
        `EXISTS (SELECT 1 FROM collaborators c WHERE c."appId" = app.id AND c."userId" = :userId)`,
        "is_collaborator",
      )
      .where("app.name = :name", { name, userId: user.id })
      .getRawAndEntities<{ is_collaborator: boolean }>();
    const app = entities[0];
    if (!app) throw notFound("app", name);
    if (user.isAdmin || app.ownerId === user.id) return app;
    if (role === "collaborator" && raw[0]?.is_collaborator) return app;
    if (role === "owner" && raw[0]?.is_collaborator) {
      throw permissionDenied(`only the owner of ${name} (or an admin) may do this`);
    }
    throw notFound("app", name);
  }

  /** The names of the apps the caller owns or collaborates on (not every app, for an admin: ask `user.isAdmin`). */
  async ownAppNames(ctx: RequestContext): Promise<Set<string>> {
    const user = this.requireUser(ctx);
    const rows = await this.dataSource
      .getRepository(App)
      .createQueryBuilder("app")
      .select("app.name", "name")
      .where(`(app."ownerId" = :userId OR EXISTS (SELECT 1 FROM collaborators c WHERE c."appId" = app.id AND c."userId" = :userId))`, { userId: user.id })
      .getRawMany<{ name: string }>();
    return new Set(rows.map((row) => row.name));
  }
}
