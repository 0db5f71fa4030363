import { RedisPubSub } from "graphql-redis-subscriptions";
import type { Redis } from "ioredis";
import { AsyncQueue } from "./async-queue";
import type { EventBus, Topic } from "./event-bus";

/**
 * Events across controller processes through Redis pub/sub (graphql-redis-subscriptions).
 * Channel names carry `prefix`, so several platforms (or test files) can share one Redis.
 */
export class RedisEventBus implements EventBus {
  private readonly pubsub: RedisPubSub;
  private readonly publisher: Redis;

  /** Opens its own two connections (a subscribing connection can do nothing else); `close` ends them. */
  constructor(
    connect: () => Redis,
    private readonly prefix: string,
  ) {
    this.publisher = connect();
    this.pubsub = new RedisPubSub({ publisher: this.publisher, subscriber: connect() });
  }

  private channel(topic: Topic<unknown>): string {
    return `${this.prefix}${topic.name}`;
  }

  async publish<T>(topic: Topic<T>, payload: T): Promise<void> {
    await this.pubsub.publish(this.channel(topic), payload);
  }

  async subscribe<T>(topic: Topic<T>): Promise<AsyncIterableIterator<T>> {
    let subscriptionId: number | undefined;
    let closed = false;
    const queue = new AsyncQueue<T>(() => {
      closed = true;
      if (subscriptionId === undefined) return;
      this.pubsub.unsubscribe(subscriptionId);
    });
    subscriptionId = await this.pubsub.subscribe(this.channel(topic), (payload: T) => queue.push(payload));
    if (closed) this.pubsub.unsubscribe(subscriptionId);
    return queue;
  }

  async close(): Promise<void> {
    await this.pubsub.close();
  }
}
