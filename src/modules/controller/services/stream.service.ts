import type { RequestContext } from "../../../core/context";
import {
  type AppEventPayload,
  AppEventType,
  type BuildLogLine,
  type LogLine,
  allAppEventsTopic,
  appEventsTopic,
  appLogBatchesTopic,
  BUILD_LOG_LINES,
  buildLogKey,
  buildLogsTopic,
} from "../../../core/topics";
import { type EventBus, type ListStore, type Topic, endAfter, endWhen } from "../../cache";
import type { AccessService } from "./access.service";
import type { ProcessMetricsSample, ProcessUsageFeed } from "./process-usage-feed";

/**
 * The live streams of an app (its events, its builds' output, its log lines) for the
 * subscriptions. Access is checked when a stream starts and again when it may have changed: a
 * stream ends when the app is destroyed, or when the subscriber was taken off the app or the app
 * changed hands and they may no longer see it. Each resolves once its subscription is live.
 */
export class StreamService {
  constructor(
    private readonly access: AccessService,
    private readonly events: EventBus,
    private readonly lists: ListStore,
    private readonly usage: ProcessUsageFeed,
  ) {}

  /** The app's events; the last one a stream gives is APP_DESTROYED. */
  async appEvents(ctx: RequestContext, app: string): Promise<AsyncIterableIterator<AppEventPayload>> {
    await this.access.requireApp(ctx, app, "collaborator");
    const events = await this.events.subscribe(appEventsTopic(app));
    const checked: AsyncIterableIterator<AppEventPayload> = {
      next: async () => {
        const result = await events.next();
        if (!result.done && (await this.lostAccess(ctx, app, result.value))) {
          await events.return?.();
          return { value: undefined, done: true };
        }
        return result;
      },
      return: async () => (await events.return?.()) ?? { value: undefined, done: true },
      [Symbol.asyncIterator]: () => checked,
    };
    return endAfter(checked, (event) => event.type === AppEventType.APP_DESTROYED);
  }

  /**
   * The events of every app the subscriber may see (every app, for an admin), for live lists of
   * apps. An app the subscriber loses (taken off it, transferred away, destroyed) gets one last
   * event, so a list can drop it; after that, nothing more of it.
   */
  async appListEvents(ctx: RequestContext): Promise<AsyncIterableIterator<AppEventPayload>> {
    const user = this.access.requireUser(ctx);
    const events = await this.events.subscribe(allAppEventsTopic);
    // Subscribed first, then asked: an app shared from now on shows as its event arrives.
    const known = user.isAdmin ? new Set<string>() : await this.access.ownAppNames(ctx);
    const shown = async (event: AppEventPayload): Promise<boolean> => {
      if (user.isAdmin) return true;
      const sees =
        event.type !== AppEventType.APP_DESTROYED &&
        (await this.access.requireApp(ctx, event.app, "collaborator").then(
          () => true,
          () => false,
        ));
      if (sees) known.add(event.app);
      return sees || known.delete(event.app);
    };
    const filtered: AsyncIterableIterator<AppEventPayload> = {
      next: async () => {
        for (;;) {
          const result = await events.next();
          if (result.done || (await shown(result.value))) return result;
        }
      },
      return: async () => (await events.return?.()) ?? { value: undefined, done: true },
      [Symbol.asyncIterator]: () => filtered,
    };
    return filtered;
  }

  /** The current build's lines so far (from the cache), then each new one as it is printed. */
  async buildLogs(ctx: RequestContext, app: string): Promise<AsyncIterableIterator<BuildLogLine>> {
    const live = await this.open(ctx, app, buildLogsTopic(app));
    const sofar = (await this.lists.tail(buildLogKey(app), BUILD_LOG_LINES)).map((raw) => JSON.parse(raw) as BuildLogLine);
    const last = sofar.at(-1);
    let replayed = 0;
    const lines: AsyncIterableIterator<BuildLogLine> = {
      next: async () => {
        if (replayed < sofar.length) return { value: sofar[replayed++], done: false };
        for (;;) {
          const result = await live.next();
          // A line both read from the list and published after the subscription began comes once.
          if (!result.done && last && result.value.build === last.build && result.value.seq <= last.seq) continue;
          return result;
        }
      },
      return: async () => (await live.return?.()) ?? { value: undefined, done: true },
      [Symbol.asyncIterator]: () => lines,
    };
    return lines;
  }

  /** The app's lines in the batches they are stored in (lines that arrived together), in order. */
  logBatches(ctx: RequestContext, app: string): Promise<AsyncIterableIterator<readonly LogLine[]>> {
    return this.open(ctx, app, appLogBatchesTopic(app));
  }

  /** The app's lines as they are stored, one by one in order (they travel the bus in batches). */
  async logs(ctx: RequestContext, app: string): Promise<AsyncIterableIterator<LogLine>> {
    const batches = await this.logBatches(ctx, app);
    let pending: readonly LogLine[] = [];
    let index = 0;
    const lines: AsyncIterableIterator<LogLine> = {
      next: async () => {
        while (index >= pending.length) {
          const result = await batches.next();
          if (result.done) return { value: undefined, done: true };
          pending = result.value;
          index = 0;
        }
        return { value: pending[index++], done: false };
      },
      return: async () => {
        pending = [];
        await batches.return?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => lines,
    };
    return lines;
  }

  /** Did this event take the app away from the subscriber (or the app away altogether)? */
  private async lostAccess(ctx: RequestContext, app: string, event: AppEventPayload): Promise<boolean> {
    if (event.type !== AppEventType.COLLABORATOR_REMOVED && event.type !== AppEventType.APP_TRANSFERRED) return false;
    return this.access.requireApp(ctx, app, "collaborator").then(
      () => false,
      () => true,
    );
  }

  /**
   * Samples of the app's processes with their CPU, memory and network, the first at once, then
   * every few seconds (read from the engine only while someone watches).
   */
  processMetrics(ctx: RequestContext, app: string): Promise<AsyncIterableIterator<ProcessMetricsSample>> {
    return this.gate(ctx, app, async () => this.usage.follow(app));
  }

  /** A topic of the app's, ended when the app is destroyed or the subscriber loses access to it. */
  private open<T>(ctx: RequestContext, app: string, topic: Topic<T>): Promise<AsyncIterableIterator<T>> {
    return this.gate(ctx, app, () => this.events.subscribe(topic));
  }

  /** A stream of the app's (opened once access is checked), ended when the app is destroyed or the subscriber loses access to it. */
  private async gate<T>(ctx: RequestContext, app: string, opened: () => Promise<AsyncIterableIterator<T>>): Promise<AsyncIterableIterator<T>> {
    await this.access.requireApp(ctx, app, "collaborator");
    const source = await opened();
    const changes = await this.events.subscribe(appEventsTopic(app));
    // While an access check is under way, what arrives waits for its answer: a subscriber taken
    // off the app gets nothing from after (not even the line that says so).
    let checking: Promise<boolean> = Promise.resolve(false);
    const ended = (async () => {
      for await (const event of changes) {
        if (event.type === AppEventType.APP_DESTROYED) return;
        checking = this.lostAccess(ctx, app, event);
        if (await checking) return;
      }
    })();
    const gated: AsyncIterableIterator<T> = {
      next: async () => {
        const result = await source.next();
        return !result.done && (await checking) ? { value: undefined, done: true } : result;
      },
      return: async () => (await source.return?.()) ?? { value: undefined, done: true },
      [Symbol.asyncIterator]: () => gated,
    };
    return endWhen(gated, ended, () => changes.return?.());
  }
}
