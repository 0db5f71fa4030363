import type { DataSource } from "typeorm";
import type { Logger } from "../../core/logger";
import { App } from "../../entities";
import type { DiscoveryStore, Leadership } from "../discovery";
import type { Deployer } from "./deployer";
import type { Scheduler } from "./scheduler";

export interface ReconcilerOptions {
  /** Seconds between full passes over every app (events trigger passes for single apps sooner). */
  readonly intervalSeconds: number;
  /** This process's name in the election. */
  readonly candidate: string;
  /** The election's name; the platform id keeps platforms sharing an etcd apart. */
  readonly election: string;
}

/**
 * Keeps what runs equal to what should run: at start-up, when the engine reports a process died or
 * the engine came back, and every `intervalSeconds`. Only the elected leader among the controller
 * processes reconciles; the others wait their turn. The Deployer does the work (one deploy per app
 * at a time); crash back-off lives in the scheduler.
 */
export class Reconciler {
  private leadership: Leadership | null = null;
  private stopWatching: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly scheduler: Scheduler,
    private readonly deployer: Deployer,
    private readonly discovery: DiscoveryStore,
    private readonly options: ReconcilerOptions,
    private readonly log: Logger,
  ) {}

  /** Campaigns in the background; reconciles while leader. */
  start(): void {
    void this.campaign();
  }

  private async campaign(): Promise<void> {
    while (!this.stopped) {
      try {
        const leadership = await this.discovery.campaign(this.options.election, this.options.candidate);
        if (this.stopped) {
          await leadership.resign();
          return;
        }
        this.leadership = leadership;
        this.log.info({ candidate: this.options.candidate }, "reconciler elected");
        const lost = new Promise<void>((resolve) => leadership.onLost(resolve));
        this.lead();
        await lost;
        this.log.warn("reconciler lost its leadership");
        this.follow();
      } catch (error) {
        this.log.warn({ err: error }, "reconciler election failed; trying again");
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  }

  private lead(): void {
    this.stopWatching = this.scheduler.watch((app) => (app ? this.deployer.request(app) : void this.reconcileAll()));
    this.timer = setInterval(() => void this.reconcileAll(), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  private follow(): void {
    this.stopWatching?.();
    this.stopWatching = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.leadership = null;
  }

  /** Every app in the database, and every app the engine still runs processes for (destroyed ones). */
  async reconcileAll(): Promise<void> {
    try {
      const known = (await this.dataSource.getRepository(App).find({ select: { name: true } })).map((a) => a.name);
      const running = await this.scheduler.apps();
      for (const app of new Set([...known, ...running])) this.deployer.request(app);
    } catch (error) {
      this.log.warn({ err: error }, "reconcile pass failed; the next one will try again");
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const leadership = this.leadership;
    this.follow();
    await leadership?.resign().catch(() => undefined);
  }
}
