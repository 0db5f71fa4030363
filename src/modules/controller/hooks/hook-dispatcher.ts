import type { DataSource } from "typeorm";
import type { Logger } from "../../../core/logger";
import { type AppEventPayload, AppEventType, allAppEventsTopic } from "../../../core/topics";
import { App, Hook, type HookAttempt, HookDelivery, HookDeliveryStatus, Release, ReleaseStatus, User } from "../../../entities";
import type { EventBus } from "../../cache";
import { type DiscoveryStore, LeaderLoop } from "../../discovery";
import type { HookSender } from "./hook-sender";

/** The JSON every hook receives. */
export interface HookPayload {
  readonly app: string;
  /** "v5". */
  readonly release: string;
  readonly version: number;
  readonly status: "deployed" | "failed";
  /** The release's summary ("alice deployed 1a2b3c4"); why it failed, when it did. */
  readonly summary: string;
  readonly reason?: string;
  /** Who made the release (null: the platform). */
  readonly user: string | null;
  /** When the deploy ended (ISO 8601). */
  readonly at: string;
}

export interface HookDispatcherOptions {
  readonly platformId: string;
  readonly candidate: string;
  /** Attempts per delivery before it is given up. */
  readonly attempts: number;
  /** Seconds before the first retry; each next retry waits three times longer. */
  readonly retrySeconds: number;
}

/** How often the leader looks for due deliveries besides the timer it sets for the next one. */
const SCAN_EVERY_MS = 30_000;
const BATCH = 20;
/** How far back a new leader looks for deploys that ended while no process led. */
const CATCH_UP_HOURS = 24;
/** Delivered and given-up deliveries are kept this long, then deleted (by the leader, hourly). */
export const HOOK_DELIVERY_RETENTION_DAYS = 30;
const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Delivers deploy hooks. One elected process (per platform) follows every app's release events,
 * stores one delivery per hook in the database, and sends it, retrying with back-off; deliveries
 * outlive the process, so a new leader picks up what an old one left pending, and queues the
 * deploys that ended while no process led (the release says how it ended).
 */
export class HookDispatcher {
  private readonly loop: LeaderLoop;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private leading = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
    discovery: DiscoveryStore,
    private readonly sender: HookSender,
    private readonly options: HookDispatcherOptions,
    private readonly log: Logger,
  ) {
    this.loop = new LeaderLoop(discovery, `${options.platformId}-hooks`, options.candidate, () => this.lead(), log);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async lead(): Promise<() => Promise<void>> {
    const feed = await this.events.subscribe(allAppEventsTopic);
    this.leading = true;
    const following = (async () => {
      for await (const event of feed) {
        if (event.type !== AppEventType.RELEASE_DEPLOYED && event.type !== AppEventType.RELEASE_FAILED) continue;
        await this.enqueue(event).catch((error: unknown) => this.log.error({ err: error, app: event.app }, "could not queue deploy hook deliveries"));
        this.kick();
      }
    })();
    const scan = setInterval(() => this.kick(), SCAN_EVERY_MS);
    scan.unref();
    const prune = () => void this.prune().catch((error: unknown) => this.log.warn({ err: error }, "could not prune hook deliveries"));
    const pruning = setInterval(prune, PRUNE_EVERY_MS);
    pruning.unref();
    prune();
    // What an earlier leader left pending, and what ended while none led; in the background, so
    // the leadership's undo is in place at once.
    const catchingUp = this.catchUp()
      .catch((error: unknown) => this.log.error({ err: error }, "could not queue the deploys that ended without a leader"))
      .finally(() => this.kick());
    return async () => {
      this.leading = false;
      clearInterval(scan);
      clearInterval(pruning);
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      await feed.return?.();
      await following;
      await catchingUp;
      await this.running;
    };
  }

  /**
   * Deploys that ended (a release with a build that succeeded or failed) in the last day, after the
   * hook was added, without a delivery to it: their events went out while no process led.
   */
  private async catchUp(): Promise<void> {
    const missed: { app: string; version: number; status: string; reason: string | null; hookId: string }[] = await this.dataSource.query(
      `SELECT a.name AS app, r.version, r.status, r."failureReason" AS reason, h.id AS "hookId"
         FROM hooks h JOIN apps a ON a.id = h."appId" JOIN releases r ON r."appId" = a.id
        WHERE r."buildId" IS NOT NULL AND r.status IN ($1, $2) AND r."createdAt" >= h."createdAt"
          AND r."createdAt" > now() - make_interval(hours => $3)
          AND NOT EXISTS (SELECT 1 FROM hook_deliveries d WHERE d."hookId" = h.id AND d.version = r.version)
        ORDER BY r."createdAt"`,
      [ReleaseStatus.SUCCEEDED, ReleaseStatus.FAILED, CATCH_UP_HOURS],
    );
    const byRelease = new Map<string, typeof missed>();
    for (const row of missed) byRelease.set(`${row.app} ${row.version}`, [...(byRelease.get(`${row.app} ${row.version}`) ?? []), row]);
    for (const rows of byRelease.values()) {
      const { app, version, status, reason } = rows[0];
      const failed = status === ReleaseStatus.FAILED;
      const event: AppEventPayload = {
        type: failed ? AppEventType.RELEASE_FAILED : AppEventType.RELEASE_DEPLOYED,
        app,
        actor: "deis",
        at: new Date().toISOString(),
        version,
        ...(failed && reason ? { reason } : {}),
      };
      await this.enqueue(event, rows.map((row) => row.hookId));
    }
    if (byRelease.size > 0) this.log.info({ releases: byRelease.size }, "queued hook deliveries for deploys that ended while no process led");
  }

  private async prune(): Promise<void> {
    await this.dataSource.query(`DELETE FROM hook_deliveries WHERE status <> $1 AND "createdAt" < now() - make_interval(days => $2)`, [
      HookDeliveryStatus.PENDING,
      HOOK_DELIVERY_RETENTION_DAYS,
    ]);
  }

  /** One delivery per hook of the app (or those given) for this release's outcome (once, whoever leads). */
  private async enqueue(event: AppEventPayload, onlyHooks?: readonly string[]): Promise<void> {
    const query = this.dataSource
      .getRepository(Hook)
      .createQueryBuilder("hook")
      .innerJoin(App, "app", "app.id = hook.appId")
      .where("app.name = :name", { name: event.app });
    if (onlyHooks) query.andWhere("hook.id IN (:...ids)", { ids: onlyHooks });
    const hooks = await query.getMany();
    if (hooks.length === 0 || event.version === undefined) return;
    const release = await this.dataSource
      .getRepository(Release)
      .createQueryBuilder("release")
      .innerJoin(App, "app", "app.id = release.appId")
      .leftJoinAndMapOne("release.owner", User, "owner", "owner.id = release.ownerId")
      .where("app.name = :name AND release.version = :version", { name: event.app, version: event.version })
      .getOne();
    const failed = event.type === AppEventType.RELEASE_FAILED;
    const payload: HookPayload = {
      app: event.app,
      release: `v${event.version}`,
      version: event.version,
      status: failed ? "failed" : "deployed",
      summary: release?.summary ?? "",
      ...(failed ? { reason: event.reason ?? release?.failureReason ?? "unknown reason" } : {}),
      user: release?.owner?.username ?? null,
      at: event.at,
    };
    const body = JSON.stringify(payload);
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(HookDelivery)
      .values(hooks.map((hook) => ({ hookId: hook.id, event: failed ? "release.failed" : "release.deployed", version: event.version!, body, status: HookDeliveryStatus.PENDING, attempts: [], nextAttemptAt: new Date() })))
      .orIgnore()
      .execute();
  }

  /** Sends what is due now, one pass at a time. */
  private kick(): void {
    if (!this.leading) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.sendDue();
        } catch (error) {
          this.log.error({ err: error }, "deploy hook pass failed");
        }
      } while (this.again && this.leading);
      await this.scheduleNext();
    })().finally(() => {
      this.running = null;
    });
  }

  private async sendDue(): Promise<void> {
    for (;;) {
      const due = await this.dataSource
        .getRepository(HookDelivery)
        .createQueryBuilder("delivery")
        .innerJoinAndSelect("delivery.hook", "hook")
        .addSelect("hook.secret")
        .where("delivery.status = :pending AND delivery.nextAttemptAt <= now()", { pending: HookDeliveryStatus.PENDING })
        .orderBy("delivery.nextAttemptAt", "ASC")
        .take(BATCH)
        .getMany();
      if (due.length === 0 || !this.leading) return;
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
      if (due.length < BATCH) return;
    }
  }

  private async attempt(delivery: HookDelivery): Promise<void> {
    const now = new Date();
    const response = await this.sender.send({ url: delivery.hook.url, secret: delivery.hook.secret, body: delivery.body, event: delivery.event, deliveryId: delivery.id }, now);
    const attempts: HookAttempt[] = [...delivery.attempts, { at: now.toISOString(), statusCode: response.statusCode, error: response.error }];
    const delivered = response.error === null;
    const givenUp = !delivered && attempts.length >= this.options.attempts;
    const delay = this.options.retrySeconds * 1000 * 3 ** (attempts.length - 1);
    await this.dataSource.getRepository(HookDelivery).update(
      { id: delivery.id },
      {
        attempts,
        status: delivered ? HookDeliveryStatus.DELIVERED : givenUp ? HookDeliveryStatus.FAILED : HookDeliveryStatus.PENDING,
        nextAttemptAt: delivered || givenUp ? null : new Date(Date.now() + delay),
      },
    );
    const fields = { app: JSON.parse(delivery.body).app as string, hook: delivery.hookId, delivery: delivery.id, attempt: attempts.length, statusCode: response.statusCode };
    if (delivered) this.log.info(fields, "deploy hook delivered");
    else this.log.warn({ ...fields, error: response.error }, givenUp ? "deploy hook given up" : "deploy hook attempt failed; will retry");
  }

  /** A timer for the next pending delivery's time. */
  private async scheduleNext(): Promise<void> {
    if (!this.leading) return;
    const next = await this.dataSource
      .getRepository(HookDelivery)
      .createQueryBuilder("delivery")
      .select("MIN(delivery.nextAttemptAt)", "next")
      .where("delivery.status = :pending", { pending: HookDeliveryStatus.PENDING })
      .getRawOne<{ next: Date | string | null }>();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!next?.next || !this.leading) return;
    const wait = Math.max(0, new Date(next.next).getTime() - Date.now());
    this.timer = setTimeout(() => this.kick(), Math.min(wait, SCAN_EVERY_MS) + 10);
    this.timer.unref();
  }
}
