import { type LogLine, appLogBatchesTopic } from "../../core/topics";
import type { EventBus, ListStore } from "../cache";
import { cleanMessage } from "./log-lines";

/**
 * Every app's recent lines, bounded (DESIGN.md "Logs": 1,000 by default), in the cache: Redis
 * lists shared by every process, or in-process lists. Stored lines are published on the app's
 * topic for live tails, one message per batch.
 */
export class LogStore {
  constructor(
    private readonly lists: ListStore,
    private readonly events: EventBus,
    private readonly maxLines: number,
  ) {}

  private key(app: string): string {
    return `logs:${app}`;
  }

  /** Stores lines (cleaned; overlong ones split, none dropped) and publishes them in order, each app's as one batch. */
  async ingest(lines: readonly LogLine[]): Promise<void> {
    const byApp = new Map<string, LogLine[]>();
    for (const line of lines) {
      const pieces = cleanMessage(line.message).map((message) => ({ ...line, message }));
      const group = byApp.get(line.app);
      if (group) group.push(...pieces);
      else byApp.set(line.app, pieces);
    }
    await Promise.all(
      [...byApp].map(async ([app, group]) => {
        await this.lists.append(this.key(app), group.map((line) => JSON.stringify(line)), this.maxLines);
        await this.events.publish(appLogBatchesTopic(app), group);
      }),
    );
  }

  async recent(app: string, count: number): Promise<LogLine[]> {
    return (await this.lists.tail(this.key(app), Math.min(count, this.maxLines))).map((json) => JSON.parse(json) as LogLine);
  }

  /** A renamed app's recent lines, under its new name (replacing any there), not published again. */
  async carry(from: string, to: string): Promise<void> {
    const lines = await this.recent(from, this.maxLines);
    await this.lists.delete(this.key(to));
    if (lines.length > 0) await this.lists.append(this.key(to), lines.map((line) => JSON.stringify({ ...line, app: to })), this.maxLines);
  }

  clear(app: string): Promise<void> {
    return this.lists.delete(this.key(app));
  }
}
