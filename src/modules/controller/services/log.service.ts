import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound } from "../../../core/errors";
import { type LogLine, logDrainsChangedTopic, logIngestTokenChangedTopic } from "../../../core/topics";
import { App, LogDrain, newLogToken } from "../../../entities";
import type { EventBus } from "../../cache";
import { type DrainGuard, type LogStore, normalizeDrainUrl, parseDrainUrl } from "../../logger";
import type { AccessService } from "./access.service";

export const MAX_DRAINS_PER_APP = 10;

/** How a syslog sender gets its lines into an app's log: where to send and the app's token. */
export interface LogIngest {
  readonly app: string;
  readonly token: string;
  /** Where the platform's syslog receiver listens (UDP and TCP); null when it has none. */
  readonly host: string | null;
  readonly port: number | null;
  /** A line as RFC 5424 with the token in `[deis token="..."]`, and as RFC 3164 with the token as HOSTNAME. */
  readonly rfc5424Example: string;
  readonly rfc3164Example: string;
}

/** An app's logs as its collaborators see them: recent lines, a live tail, and drains. */
export class LogService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly store: LogStore,
    private readonly events: EventBus,
    private readonly maxLines: number,
    /** Where senders reach the log server's syslog receiver; null when there is none. */
    private readonly syslog: { readonly host: string; readonly port: number } | null,
    /** Decides which hosts a drain may reach (on add here, and on each connect in the log server). */
    private readonly drainGuard: DrainGuard,
  ) {}

  async recent(ctx: RequestContext, appName: string, lines: number): Promise<LogLine[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    if (!Number.isInteger(lines) || lines < 1 || lines > this.maxLines) {
      throw invalidInput("lines", `must be a whole number from 1 to ${this.maxLines} (the platform keeps the last ${this.maxLines})`);
    }
    return this.store.recent(app.name, lines);
  }

  /** Forgets a destroyed app's lines. */
  clear(app: string): Promise<void> {
    return this.store.clear(app);
  }

  /** Moves a renamed app's recent lines to its new name. */
  carry(from: string, to: string): Promise<void> {
    return this.store.carry(from, to);
  }

  async drains(ctx: RequestContext, appName: string): Promise<LogDrain[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return this.dataSource.getRepository(LogDrain).find({ where: { appId: app.id }, order: { createdAt: "ASC" } });
  }

  async addDrain(ctx: RequestContext, appName: string, rawUrl: string): Promise<LogDrain> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const url = normalizeDrainUrl(rawUrl.trim());
    if (!url) throw invalidInput("url", "a drain is syslog://host:port (UDP) or syslog+tcp://host:port (TCP)");
    const verdict = await this.drainGuard.check(parseDrainUrl(url)!.host);
    if (!verdict.ok) throw invalidInput("url", verdict.rule);
    const repository = this.dataSource.getRepository(LogDrain);
    if (await repository.existsBy({ appId: app.id, url })) throw alreadyExists("url", `${appName} already drains to ${url}`);
    if ((await repository.countBy({ appId: app.id })) >= MAX_DRAINS_PER_APP) {
      throw invalidInput("url", `an app has at most ${MAX_DRAINS_PER_APP} drains`);
    }
    const drain = await repository.save(repository.create({ appId: app.id, url }));
    await this.events.publish(logDrainsChangedTopic, { app: app.name });
    return drain;
  }

  async removeDrain(ctx: RequestContext, appName: string, url: string): Promise<boolean> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const result = await this.dataSource.getRepository(LogDrain).delete({ appId: app.id, url: normalizeDrainUrl(url.trim()) ?? url.trim() });
    if (!result.affected) throw notFound("log drain", url);
    await this.events.publish(logDrainsChangedTopic, { app: app.name });
    return true;
  }

  /** The app's syslog ingest token and how to send with it: for its owner, collaborators and admins. */
  async ingest(ctx: RequestContext, appName: string): Promise<LogIngest> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const { logToken } = await this.dataSource
      .getRepository(App)
      .findOneOrFail({ where: { id: app.id }, select: { id: true, logToken: true } });
    return this.describeIngest(app.name, logToken);
  }

  /** A new ingest token; lines carrying the old one are dropped from the moment the log server hears of it. */
  async rotateIngestToken(ctx: RequestContext, appName: string): Promise<LogIngest> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const logToken = newLogToken();
    await this.dataSource.getRepository(App).update({ id: app.id }, { logToken });
    await this.events.publish(logIngestTokenChangedTopic, { app: app.name });
    ctx.log.info({ app: app.name }, "rotated the app's log ingest token");
    return this.describeIngest(app.name, logToken);
  }

  private describeIngest(app: string, token: string): LogIngest {
    return {
      app,
      token,
      host: this.syslog?.host ?? null,
      port: this.syslog?.port ?? null,
      rfc5424Example: `<14>1 2026-01-01T00:00:00Z - ${app} worker.1 - [deis token="${token}"] a line`,
      rfc3164Example: `<14>Jan  1 00:00:00 ${token} ${app}[worker.1]: a line`,
    };
  }
}
