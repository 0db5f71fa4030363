import type { DataSource, EntityManager } from "typeorm";
import type { RequestContext } from "../../core/context";
import type { EventBus, Topic } from "../cache";

/** The handle a service gets inside a transaction. */
export interface Tx {
  readonly manager: EntityManager;
  /** Queues an event; it is published only if and after the transaction commits. */
  publish<T>(topic: Topic<T>, payload: T): void;
  /** Runs after a successful commit (e.g. start a deploy); failures are logged, not thrown. */
  afterCommit(task: () => Promise<unknown> | unknown): void;
}

/** One database transaction whose events go out after commit, never before and never on rollback. */
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
  ) {}

  async run<T>(ctx: RequestContext, work: (tx: Tx) => Promise<T>): Promise<T> {
    const queued: { topic: Topic<unknown>; payload: unknown }[] = [];
    const tasks: (() => Promise<unknown> | unknown)[] = [];
    const result = await this.dataSource.transaction((manager) =>
      work({
        manager,
        publish: (topic, payload) => queued.push({ topic, payload }),
        afterCommit: (task) => tasks.push(task),
      }),
    );
    // Sent in order, awaited together: a cache that does not answer costs one timeout, not one per event.
    await Promise.all(
      queued.map(({ topic, payload }) =>
        this.events.publish(topic, payload).catch((error: unknown) => {
          ctx.log.error({ err: error, topic: topic.name }, "event publish failed");
        }),
      ),
    );
    for (const task of tasks) {
      try {
        await task();
      } catch (error) {
        ctx.log.error({ err: error }, "after-commit task failed");
      }
    }
    return result;
  }
}
