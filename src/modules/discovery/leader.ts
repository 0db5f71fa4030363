import type { Logger } from "../../core/logger";
import type { DiscoveryStore, Leadership } from "./store";

/** What a leader does when elected; it returns how to stop doing it when the leadership ends. */
export type LeaderWork = () => Promise<() => Promise<void> | void>;

/**
 * Work that one process of the platform does at a time (the reconciler, the log server):
 * campaigns in the named election until stopped, runs the work while elected, undoes it when the
 * leadership is lost, and campaigns again.
 */
export class LeaderLoop {
  private stopped = false;
  private leadership: Leadership | null = null;
  private undo: (() => Promise<void> | void) | null = null;

  constructor(
    private readonly discovery: DiscoveryStore,
    private readonly election: string,
    private readonly candidate: string,
    private readonly work: LeaderWork,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.campaign();
  }

  private async campaign(): Promise<void> {
    while (!this.stopped) {
      try {
        const leadership = await this.discovery.campaign(this.election, this.candidate);
        if (this.stopped) {
          await leadership.resign();
          return;
        }
        this.leadership = leadership;
        const lost = new Promise<void>((resolve) => leadership.onLost(resolve));
        this.log.info({ election: this.election, candidate: this.candidate }, "elected");
        try {
          this.undo = await this.work();
        } catch (error) {
          // Could not do the work: let another process lead rather than hold the election idle.
          this.leadership = null;
          await leadership.resign().catch(() => undefined);
          throw error;
        }
        await lost;
        this.log.warn({ election: this.election }, "lost the leadership; campaigning again");
        await this.stepDown();
      } catch (error) {
        this.log.warn({ err: error, election: this.election }, "election failed; trying again");
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  }

  private async stepDown(): Promise<void> {
    const undo = this.undo;
    this.undo = null;
    this.leadership = null;
    await undo?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const leadership = this.leadership;
    await this.stepDown();
    await leadership?.resign().catch(() => undefined);
  }
}
