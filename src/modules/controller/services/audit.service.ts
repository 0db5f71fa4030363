import type { DataSource } from "typeorm";
import type { QueryDeepPartialEntity } from "typeorm/query-builder/QueryPartialEntity";
import { type RequestContext, systemContext } from "../../../core/context";
import type { Logger } from "../../../core/logger";
import { AuditEvent } from "../../../entities";
import { type Page, type PageArgs, type SortKey, paginate } from "../pagination";
import type { AccessService } from "./access.service";

/** What one audited operation did; who and from where come from the request context. */
export interface AuditEntry {
  readonly operation: string;
  readonly summary: string;
  /** Only arguments the operation's audit description allows: never a secret. */
  readonly details: Record<string, unknown>;
  readonly app: string | null;
  /** "ok", or the code the caller got. */
  readonly outcome: string;
  /** Who, when nobody is logged in yet (a sign-in names the account it tried, and its id once it succeeded). */
  readonly username?: string | null;
  readonly userId?: string | null;
}

const NEWEST_FIRST: readonly SortKey<AuditEvent>[] = [
  { column: "event.at", type: "timestamp", value: (e) => e.at },
  { column: "event.id", type: "uuid", value: (e) => e.id },
];

/** How often each controller deletes records older than the retention (a cheap indexed DELETE). */
const PRUNE_EVERY_MS = 60 * 60_000;

/** The audit trail: every change made through the API, kept `retentionDays`. */
export class AuditService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly retentionDays: number,
    private readonly log: Logger,
  ) {}

  /** Records an operation's outcome; a failure to record is logged, never the caller's problem. */
  async record(ctx: RequestContext, entry: AuditEntry): Promise<void> {
    try {
      await this.dataSource.getRepository(AuditEvent).insert({
        at: () => "clock_timestamp()",
        userId: ctx.user?.id ?? entry.userId ?? null,
        username: ctx.user?.username ?? entry.username?.slice(0, 64) ?? null,
        operation: entry.operation.slice(0, 64),
        summary: entry.summary.slice(0, 1024),
        details: entry.details as QueryDeepPartialEntity<AuditEvent>["details"],
        app: entry.app && entry.app.length <= 63 ? entry.app : null,
        // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d: shown as a.b.c.d.
        address: ctx.clientAddress?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1").slice(0, 64) ?? null,
        outcome: entry.outcome.slice(0, 32),
        requestId: ctx.requestId.slice(0, 64),
      });
    } catch (error) {
      ctx.log.error({ err: error, operation: entry.operation }, "could not record an audit event");
    }
  }

  /**
   * An app's trail (its owner, collaborators and admins; a stranger gets NOT_FOUND), or the whole
   * platform's (admins only), newest first. An app's trail starts when the app was created, so a
   * name used again does not show its earlier holder's records.
   */
  async list(ctx: RequestContext, appName: string | null, page: PageArgs): Promise<Page<AuditEvent>> {
    const query = this.dataSource.getRepository(AuditEvent).createQueryBuilder("event");
    if (appName === null) {
      this.access.requireAdmin(ctx);
    } else {
      const app = await this.access.requireApp(ctx, appName, "collaborator");
      query.where("event.app = :app AND event.at >= :since", { app: app.name, since: app.createdAt });
    }
    return paginate(query, NEWEST_FIRST, "DESC", page);
  }

  /** Deletes records older than the retention; returns how many. */
  async prune(ctx: RequestContext): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(AuditEvent)
      .where(`at < now() - make_interval(days => :days)`, { days: this.retentionDays })
      .execute();
    if (result.affected) ctx.log.info({ deleted: result.affected, retentionDays: this.retentionDays }, "pruned the audit trail");
    return result.affected ?? 0;
  }

  /** Prunes now and every hour until stopped. */
  startPruning(): void {
    const prune = () => void this.prune(systemContext(this.log)).catch((error: unknown) => this.log.warn({ err: error }, "could not prune the audit trail"));
    prune();
    this.timer = setInterval(prune, PRUNE_EVERY_MS);
    this.timer.unref();
  }

  stopPruning(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
