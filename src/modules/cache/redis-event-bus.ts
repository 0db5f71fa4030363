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
  private readonly live = new Map<string, number>();

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
      this.live.set(topic.name, (this.live.get(topic.name) ?? 1) - 1);
    });
    subscriptionId = await this.pubsub.subscribe(this.channel(topic), (payload: T) => queue.push(payload));
    if (closed) {
      this.pubsub.unsubscribe(subscriptionId);
    } else {
      this.live.set(topic.name, (this.live.get(topic.name) ?? 0) + 1);
    }
    return queue;
  }

  localSubscriberCount(topic: Topic<unknown>): number {
    return this.live.get(topic.name) ?? 0;
  }

  async close(): Promise<void> {
    await this.pubsub.close();
  }
}
