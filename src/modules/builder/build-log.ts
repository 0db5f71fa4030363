import { randomUUID } from "node:crypto";
import { BUILD_LOG_LINES, type BuildLogLine, buildLogKey, buildLogsTopic, logIntakeTopic } from "../../core/topics";
import type { EventBus, ListStore } from "../cache";

const MAX_SAVED_BYTES = 1024 * 1024;

/**
 * One push's output: each line goes to the pusher (by the caller), to live `buildLogs`
 * subscribers, into a bounded list in the cache with its number (a subscriber that comes late reads
 * the lines so far, then follows from the next number), and the steps into the app's log. Lines
 * keep their order: the list is written one append after another.
 */
export class BuildLog {
  private readonly saved: string[] = [];
  private size = 0;
  private next = 1;
  private readonly build = randomUUID();
  private written: Promise<void>;

  constructor(
    private readonly app: string,
    private readonly sha: string,
    private readonly lists: ListStore,
    private readonly events: EventBus,
  ) {
    // A new build's lines replace the last one's.
    this.written = lists.delete(buildLogKey(app)).catch(() => undefined);
  }

  add(line: string): void {
    if (this.size < MAX_SAVED_BYTES) this.saved.push(line);
    this.size += line.length + 1;
    const entry: BuildLogLine = { app: this.app, sha: this.sha, line, at: new Date().toISOString(), build: this.build, seq: this.next++ };
    this.written = this.written
      .then(() => this.lists.append(buildLogKey(this.app), [JSON.stringify(entry)], BUILD_LOG_LINES))
      .then(() => this.events.publish(buildLogsTopic(this.app), entry))
      .catch(() => undefined);
    // The steps (not every line of docker build) also go to the app's log.
    if (/^(----->|done,|deis:)/.test(line)) {
      const message = line.replace(/^-----> /, "");
      void this.events.publish(logIntakeTopic, { app: this.app, source: "deis[builder]", message, at: entry.at }).catch(() => undefined);
    }
  }

  /** The whole log as saved with the build (cut at 1 MiB). */
  text(): string {
    return this.saved.join("\n");
  }

  /** Resolves when every line so far is in the list and published. */
  flushed(): Promise<void> {
    return this.written;
  }
}
