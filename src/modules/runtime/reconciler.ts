import type { DataSource } from "typeorm";
import type { Logger } from "../../core/logger";
import { App } from "../../entities";
import { type DiscoveryStore, LeaderLoop } from "../discovery";
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
  private readonly loop: LeaderLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly scheduler: Scheduler,
    private readonly deployer: Deployer,
    discovery: DiscoveryStore,
    private readonly options: ReconcilerOptions,
    private readonly log: Logger,
  ) {
    this.loop = new LeaderLoop(discovery, options.election, options.candidate, () => this.lead(), log);
  }

  /** Campaigns in the background; reconciles while leader. */
  start(): void {
    this.loop.start();
  }

  /** While elected: follow the engine's events and pass over every app on a timer. */
  private async lead(): Promise<() => void> {
    const stopWatching = this.scheduler.watch((app) => (app ? this.deployer.request(app) : void this.reconcileAll()));
    const timer = setInterval(() => void this.reconcileAll(), this.options.intervalSeconds * 1000);
    timer.unref();
    return () => {
      stopWatching();
      clearInterval(timer);
    };
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

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
