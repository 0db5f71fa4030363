import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { parseCidr } from "../../../core/cidr";
import { invalidInput } from "../../../core/errors";
import { AppEventType, announce } from "../../../core/topics";
import { App } from "../../../entities";
import type { UnitOfWork } from "../unit-of-work";
import type { AccessService } from "./access.service";
import { hashPassword } from "./password";
import type { RoutingService } from "./routing.service";

export const MAX_ALLOWED_CIDRS = 100;
const MAX_USERNAME = 64;
const MAX_PASSWORD = 1024;

/** CIDRs as `address/prefix` (a bare address gets /32 or /128), in order, without repeats. */
export function normalizeCidrs(cidrs: readonly string[], field = "cidrs"): string[] {
  if (cidrs.length > MAX_ALLOWED_CIDRS) throw invalidInput(field, `at most ${MAX_ALLOWED_CIDRS} CIDRs`);
  const out: string[] = [];
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (!cidr) throw invalidInput(field, `"${text}" is not an IPv4 or IPv6 address or CIDR like 10.0.0.0/8 or fd00::/8`);
    const normal = `${cidr.address.toLowerCase()}/${cidr.prefix}`;
    if (!out.includes(normal)) out.push(normal);
  }
  return out;
}

export function validateBasicAuth(username: string, password: string): void {
  if (!username) throw invalidInput("username", "must not be empty");
  if (username.length > MAX_USERNAME) throw invalidInput("username", `at most ${MAX_USERNAME} characters`);
  if (username.includes(":")) throw invalidInput("username", "must not contain ':' (HTTP basic auth separates it from the password with one)");
  if (/[\u0000-\u001f\u007f]/.test(username)) throw invalidInput("username", "must not contain control characters");
  if (!password) throw invalidInput("password", "must not be empty");
  if (password.length > MAX_PASSWORD) throw invalidInput("password", `at most ${MAX_PASSWORD} characters`);
}

/**
 * What the router applies to an app before the app: maintenance mode, an address allow-list and
 * HTTP basic auth. Stored on the app (the source of truth), published by RoutingService to the
 * app's discovery key after the change commits. None of it makes a release.
 */
export class RouterRulesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly routing: RoutingService,
  ) {}

  setMaintenance(ctx: RequestContext, appName: string, on: boolean): Promise<App> {
    return this.change(ctx, appName, `turned maintenance ${on ? "on" : "off"}`, () => ({ maintenance: on }));
  }

  /** Replaces the allow-list; an empty list lets every address through. */
  setAllowList(ctx: RequestContext, appName: string, cidrs: readonly string[]): Promise<App> {
    return this.change(ctx, appName, "changed the allow-list", () => ({ allowList: normalizeCidrs(cidrs) }));
  }

  async setBasicAuth(ctx: RequestContext, appName: string, username: string, password: string): Promise<App> {
    return this.change(ctx, appName, "set basic auth", async () => {
      validateBasicAuth(username, password);
      return { basicAuthUsername: username, basicAuthHash: await hashPassword(password) };
    });
  }

  removeBasicAuth(ctx: RequestContext, appName: string): Promise<App> {
    return this.change(ctx, appName, "removed basic auth", () => ({ basicAuthUsername: null, basicAuthHash: null }));
  }

  /**
   * Checks access, then the input (nothing changes on bad input), then that discovery answers; after
   * the commit, live views of the app hear of it (SETTINGS_CHANGED, with `what` was done).
   */
  private async change(
    ctx: RequestContext,
    appName: string,
    what: string,
    values: () => Partial<App> | Promise<Partial<App>>,
  ): Promise<App> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const update = await values();
    await this.routing.requireReachable();
    const saved = await this.unitOfWork.run(ctx, async (tx) => {
      await tx.manager.update(App, { id: app.id }, update);
      tx.afterCommit(() => this.routing.request(app.name));
      void announce(tx, { type: AppEventType.SETTINGS_CHANGED, app: app.name, actor: ctx.actorName, at: new Date().toISOString(), summary: `${ctx.actorName} ${what}` });
      return tx.manager.findOneByOrFail(App, { id: app.id });
    });
    ctx.log.info({ app: app.name, changed: Object.keys(update).filter((k) => k !== "basicAuthHash") }, "router rules changed");
    return saved;
  }
}
