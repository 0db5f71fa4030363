import type { Logger } from "../../core/logger";
import { type DiscoveryStore, LeaderLoop, SERVICES, parseKey } from "../discovery";
import type { Scheduler } from "./scheduler";
import type { PlatformMetrics } from "../metrics";

/** What the reconciler drives (the controller's deploys): which apps exist, and "bring this one up to date". */
/** Apps a full pass converges at once, and how long it waits for each. */
const PASS_CONCURRENCY = 8;
const PASS_WAIT_PER_APP_MS = 20_000;

export interface ReconcileTarget {
  /** Every app the platform knows. */
  apps(): Promise<string[]>;
  /** Asks for the app to be brought up to date soon; returns at once. */
  converge(app: string): void;
  /** Resolves when the app (or, without one, every app) is no longer being brought up to date. */
  settled(app?: string): Promise<void>;
  /** Apps already running exactly what they should, found cheaply: a pass leaves them alone. */
  inShape?(): Promise<Set<string>>;
}

export interface ReconcilerOptions {
  /** Seconds between full passes over every app (events trigger passes for single apps sooner). */
  readonly intervalSeconds: number;
  /** This process's name in the election. */
  readonly candidate: string;
  /** The election's name; the platform id keeps platforms sharing an etcd apart. */
  readonly election: string;
  /** Full passes are counted here when given. */
  readonly metrics?: PlatformMetrics;
}

/**
 * Keeps what runs equal to what should run: at start-up, when the engine reports a process died or
 * the engine came back, and every `intervalSeconds`. Only the elected leader among the controller
 * processes reconciles; the others wait their turn. The target (the controller's deploys) does the
 * work, one deploy per app at a time; crash back-off lives in the scheduler.
 */
export class Reconciler {
  private readonly loop: LeaderLoop;
  private target: ReconcileTarget | null = null;
  private leading = false;
  /** The pass under way, if any: a pass asked for meanwhile runs once it ends (one, not one per ask). */
  private passing: Promise<void> | null = null;
  private passAgain = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly discovery: DiscoveryStore,
    private readonly options: ReconcilerOptions,
    private readonly log: Logger,
  ) {
    this.loop = new LeaderLoop(discovery, options.election, options.candidate, () => this.lead(), log);
  }

  /** Campaigns in the background; reconciles `target` while leader. */
  start(target: ReconcileTarget): void {
    this.target = target;
    this.loop.start();
  }

  /**
   * While elected: follow the engine's events, pass over every app on a timer, and look again at
   * an app whose route disappeared (its publisher stopped and the lease expired): the deployer puts
   * back the routes of processes that still run, without waiting for the next pass.
   */
  private async lead(): Promise<() => Promise<void>> {
    const target = this.target!;
    const stopWatching = this.scheduler.watch((app) => (app ? target.converge(app) : void this.reconcileAll()));
    const timer = setInterval(() => void this.reconcileAll(false), this.options.intervalSeconds * 1000);
    timer.unref();
    const soon = new Map<string, NodeJS.Timeout>();
    const routes = await this.discovery.watchPrefix(SERVICES, {
      onEvent: (event) => {
        const key = parseKey(event.key);
        if (event.type !== "delete" || key.kind !== "service" || soon.has(key.app)) return;
        // A deploy unroutes old processes too; one look a moment later covers a burst of deletes.
        soon.set(key.app, setTimeout(() => {
          soon.delete(key.app);
          target.converge(key.app);
        }, 1_000).unref());
      },
      onResync: () => void this.reconcileAll(),
    });
    this.leading = true;
    return async () => {
      this.leading = false;
      stopWatching();
      clearInterval(timer);
      for (const pending of soon.values()) clearTimeout(pending);
      await routes.close();
    };
  }

  /** True while this process is the elected reconciler. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * A full pass now, if this process leads: a component the deploys need came back (Redis after an
   * outage), so releases left PENDING by the outage are deployed without waiting for the timer.
   */
  nudge(): void {
    if (this.leading) void this.reconcileAll();
  }

  /**
   * Every app in the database, and every app the engine still runs processes for (destroyed ones).
   * Passes never overlap: with hundreds of apps a pass can outlast the interval, and two at once
   * only contend for the engine. Asked for during a pass, another one follows it, unless the ask is
   * the timer's (`queue` false): the pass under way is that pass.
   */
  async reconcileAll(queue = true): Promise<void> {
    if (this.passing) {
      if (queue) this.passAgain = true;
      return this.passing;
    }
    this.passing = this.pass().finally(() => {
      this.passing = null;
      if (this.passAgain) {
        this.passAgain = false;
        void this.reconcileAll();
      }
    });
    return this.passing;
  }

  private async pass(): Promise<void> {
    try {
      const target = this.target!;
      const started = performance.now();
      const [known, running, fine] = await Promise.all([target.apps(), this.scheduler.apps(), target.inShape?.() ?? new Set<string>()]);
      // One query and one look at the engine tell which apps run as they should; only the others
      // are converged (each a few engine, store and database calls), so a pass over hundreds of apps
      // in shape costs about as much as one over none.
      const apps = new Set([...known, ...running].filter((app) => !fine.has(app)));
      // A few apps at a time: hundreds at once only contend for the engine and the database, and a
      // user's own change (which converges its app at once, outside this queue) would wait behind them.
      const queue = [...apps];
      const worker = async () => {
        for (let app = queue.shift(); app !== undefined; app = queue.shift()) {
          target.converge(app);
          // At most a while per app: an app converged again and again (a crash loop, a deploy waiting
          // on its healthcheck) goes on in the background and does not hold up the pass, or the next.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([target.settled(app), new Promise((resolve) => (timer = setTimeout(resolve, PASS_WAIT_PER_APP_MS)))]);
          clearTimeout(timer);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PASS_CONCURRENCY, queue.length) }, worker));
      this.options.metrics?.reconcilePass("succeeded");
      this.log.debug({ apps: apps.size, inShape: fine.size, ms: Math.round(performance.now() - started) }, "reconcile pass done");
    } catch (error) {
      this.options.metrics?.reconcilePass("failed");
      this.log.warn({ err: error }, "reconcile pass failed; the next one will try again");
    }
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
