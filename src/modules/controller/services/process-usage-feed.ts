import type { Logger } from "../../../core/logger";
import type { ProcessStatus, ProcessUsageSampler, ProcessWithUsage } from "../../runtime";

/** One sample of an app's processes and what each uses. */
export interface ProcessMetricsSample {
  readonly app: string;
  readonly at: Date;
  readonly processes: readonly ProcessWithUsage[];
}

interface Watcher {
  latest: ProcessMetricsSample | null;
  wake: (() => void) | null;
}

interface Watched {
  readonly watchers: Set<Watcher>;
  timer: NodeJS.Timeout | null;
  last: ProcessMetricsSample | null;
}

/**
 * Samples of each watched app's processes every `intervalMs`, read from the engine only while
 * someone watches that app, once per interval however many watch it. A slow watcher gets the
 * latest sample, not a backlog.
 */
export class ProcessUsageFeed {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly processes: (app: string) => Promise<ProcessStatus[]>,
    private readonly sampler: ProcessUsageSampler,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** The app's samples from now on: the first at once, then one per interval, until `return()`. */
  follow(app: string): AsyncIterableIterator<ProcessMetricsSample> {
    let entry = this.watched.get(app);
    const starting = entry === undefined;
    if (!entry) {
      entry = { watchers: new Set(), timer: null, last: null };
      this.watched.set(app, entry);
    }
    const watched = entry;
    const watcher: Watcher = { latest: null, wake: null };
    watched.watchers.add(watcher);
    if (starting) void this.tick(app, watched, true);
    else if (watched.last) watcher.latest = watched.last;
    let done = false;
    const iterator: AsyncIterableIterator<ProcessMetricsSample> = {
      next: async () => {
        while (!done && watcher.latest === null) await new Promise<void>((resolve) => (watcher.wake = resolve));
        if (done) return { value: undefined, done: true };
        const value = watcher.latest!;
        watcher.latest = null;
        return { value, done: false };
      },
      return: async () => {
        done = true;
        watcher.wake?.();
        watched.watchers.delete(watcher);
        if (watched.watchers.size === 0 && this.watched.get(app) === watched) {
          if (watched.timer) clearTimeout(watched.timer);
          this.watched.delete(app);
        }
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private async tick(app: string, watched: Watched, first: boolean): Promise<void> {
    try {
      const processes = await this.sampler.sample(await this.processes(app), first);
      const sample: ProcessMetricsSample = { app, at: new Date(), processes };
      watched.last = sample;
      for (const watcher of watched.watchers) {
        watcher.latest = sample;
        watcher.wake?.();
        watcher.wake = null;
      }
    } catch (error) {
      this.log.warn({ err: error, app }, "could not sample the app's processes; trying again at the next interval");
    }
    if (this.watched.get(app) !== watched) return;
    watched.timer = setTimeout(() => void this.tick(app, watched, false), this.intervalMs);
    watched.timer.unref();
  }
}
