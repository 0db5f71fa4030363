import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound } from "../../../core/errors";
import { AppEventType, announce } from "../../../core/topics";
import { Hook, HookDelivery } from "../../../entities";
import type { EventBus } from "../../cache";
import type { DrainGuard } from "../../logger";
import type { AccessService } from "./access.service";

export const MAX_HOOKS_PER_APP = 10;
const MAX_URL_LENGTH = 2048;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A hook just added, with its signing secret: the only time the secret is shown. */
export interface AddedHook {
  readonly hook: Hook;
  readonly secret: string;
}

/**
 * Deploy hooks (Heroku's webhooks): URLs called when one of the app's releases is deployed or fails.
 * Managed by the app's owner, collaborators and admins; delivered by the HookDispatcher.
 */
export class HookService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    /** Decides which hosts a hook may reach (on add here, and before each attempt in the dispatcher). */
    private readonly guard: DrainGuard,
    /** Tells live views of the app that its hooks changed. */
    private readonly events: EventBus,
  ) {}

  async list(ctx: RequestContext, appName: string): Promise<Hook[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return this.dataSource.getRepository(Hook).find({ where: { appId: app.id }, order: { createdAt: "ASC" } });
  }

  async add(ctx: RequestContext, appName: string, rawUrl: string): Promise<AddedHook> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const text = rawUrl.trim();
    if (text.length > MAX_URL_LENGTH) throw invalidInput("url", `must be at most ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalidInput("url", "a hook is an http:// or https:// URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw invalidInput("url", "a hook is an http:// or https:// URL");
    if (url.username || url.password) throw invalidInput("url", "must not carry a user or password; the hook's secret signs each delivery");
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (!host || (!isIP(host) && !/^[a-z0-9.-]+$/i.test(host))) throw invalidInput("url", "must name a host");
    const verdict = await this.guard.check(url.hostname, "a hook");
    if (!verdict.ok) throw invalidInput("url", verdict.rule);
    const repository = this.dataSource.getRepository(Hook);
    const normalized = url.toString();
    if (await repository.existsBy({ appId: app.id, url: normalized })) throw alreadyExists("url", `${appName} already has a hook to that URL`);
    if ((await repository.countBy({ appId: app.id })) >= MAX_HOOKS_PER_APP) {
      throw invalidInput("url", `an app has at most ${MAX_HOOKS_PER_APP} hooks`);
    }
    const secret = randomBytes(32).toString("hex");
    const hook = await repository.save(repository.create({ appId: app.id, url: normalized, secret }));
    ctx.log.info({ app: app.name, hook: hook.id }, "added a deploy hook");
    await this.changed(ctx, app.name, `added deploy hook ${hook.id}`);
    return { hook, secret };
  }

  async remove(ctx: RequestContext, appName: string, hookId: string): Promise<boolean> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    if (!UUID_RE.test(hookId)) throw notFound("hook", hookId);
    const result = await this.dataSource.getRepository(Hook).delete({ appId: app.id, id: hookId });
    if (!result.affected) throw notFound("hook", hookId);
    await this.changed(ctx, app.name, `removed deploy hook ${hookId}`);
    return true;
  }

  /** Live views of the app look again; a cache that does not answer loses the event, not the change. */
  private async changed(ctx: RequestContext, app: string, what: string): Promise<void> {
    await announce(this.events, { type: AppEventType.SETTINGS_CHANGED, app, actor: ctx.actorName, at: new Date().toISOString(), summary: `${ctx.actorName} ${what}` }).catch(
      (error: unknown) => ctx.log.warn({ err: error, app }, "hooks-changed event not published"),
    );
  }

  /** A hook's deliveries, newest first, with every attempt. */
  async deliveries(ctx: RequestContext, appName: string, hookId: string, first: number): Promise<HookDelivery[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    if (!Number.isInteger(first) || first < 1 || first > 100) throw invalidInput("first", "must be a whole number from 1 to 100");
    if (!UUID_RE.test(hookId) || !(await this.dataSource.getRepository(Hook).existsBy({ appId: app.id, id: hookId }))) throw notFound("hook", hookId);
    return this.dataSource.getRepository(HookDelivery).find({ where: { hookId }, order: { createdAt: "DESC", id: "DESC" }, take: first });
  }
}
