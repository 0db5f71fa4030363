import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound } from "../../../core/errors";
import { type LogLine, logDrainsChangedTopic } from "../../../core/topics";
import { LogDrain } from "../../../entities";
import type { EventBus } from "../../cache";
import { type LogStore, normalizeDrainUrl, parseDrainUrl } from "../../logger";
import type { AccessService } from "./access.service";

export const MAX_DRAINS_PER_APP = 10;
const LOOPBACK = ["127.0.0.1", "localhost", "::1", "0.0.0.0", "::"];

/** An app's logs as its collaborators see them: recent lines, a live tail, and drains. */
export class LogService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly store: LogStore,
    private readonly events: EventBus,
    private readonly maxLines: number,
    /** The log server's syslog port (drains may not point back at it); null when there is none. */
    private readonly syslogPort: number | null,
    /** Where the platform listens (besides loopback). */
    host: string,
  ) {
    this.localHosts = new Set([...LOOPBACK, host.toLowerCase()]);
  }

  /** Names of this host: loopback, and where the platform listens. */
  private readonly localHosts: ReadonlySet<string>;

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

  async drains(ctx: RequestContext, appName: string): Promise<LogDrain[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return this.dataSource.getRepository(LogDrain).find({ where: { appId: app.id }, order: { createdAt: "ASC" } });
  }

  async addDrain(ctx: RequestContext, appName: string, rawUrl: string): Promise<LogDrain> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const url = normalizeDrainUrl(rawUrl.trim());
    if (!url) throw invalidInput("url", "a drain is syslog://host:port (UDP) or syslog+tcp://host:port (TCP)");
    const target = parseDrainUrl(url)!;
    if (this.syslogPort !== null && target.port === this.syslogPort && this.localHosts.has(target.host)) {
      throw invalidInput("url", "a drain cannot point at the platform's own syslog receiver");
    }
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
}
